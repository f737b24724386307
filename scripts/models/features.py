"""The payment-event feature list: one definition shared by training, the model configs and the Avro schema.

The order of NUMERIC is the column order of the `numeric` ONNX input; loadgen/events.ts mirrors the names
and the rough distributions (its unit test validates against the schema written from this list).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    doc: str
    # A default makes the field optional: nullable in Avro, filled with the default before scoring.
    default: float | str | None = None


NUMERIC: tuple[Field, ...] = (
    Field("amount", "Transaction amount in the account's currency."),
    Field("amount_avg_30d", "Mean transaction amount over the account's last 30 days."),
    Field("amount_sum_24h", "Total spent over the last 24 hours, this transaction included."),
    Field("txn_count_1h", "Transactions in the last hour."),
    Field("txn_count_24h", "Transactions in the last 24 hours."),
    Field("txn_count_7d", "Transactions in the last 7 days."),
    Field("distinct_merchants_24h", "Distinct merchants in the last 24 hours."),
    Field("distinct_cards_30d", "Distinct cards used by the account in 30 days."),
    Field("declined_count_24h", "Declined authorisations in the last 24 hours."),
    Field("account_age_days", "Days since the account was opened."),
    Field("card_age_days", "Days since the card was issued."),
    Field("days_since_last_txn", "Days since the account's previous transaction."),
    Field("distance_from_home_km", "Distance between the transaction and the account's home."),
    Field("distance_from_last_txn_km", "Distance from the previous transaction.", 0.0),
    Field("ip_risk_score", "IP reputation score, 0 (clean) to 1."),
    Field("device_risk_score", "Device fingerprint risk score, 0 to 1."),
    Field("email_risk_score", "E-mail address risk score, 0 to 1.", 0.15),
    Field("merchant_risk_score", "Merchant risk score, 0 to 1.", 0.5),
    Field("merchant_fraud_rate_90d", "Merchant's share of fraudulent transactions over 90 days.", 0.01),
    Field("hour_of_day", "Hour of event_time, UTC, 0-23."),
    Field("day_of_week", "Day of event_time, UTC, 0 = Sunday."),
    Field("is_international", "1 when the transaction country differs from the account's."),
    Field("is_card_present", "1 when the card was physically present."),
    Field("is_new_device", "1 when the device was never seen for this account."),
    Field("is_new_shipping_address", "1 when the shipping address is new for this account."),
    Field("cvv_match", "1 when the CVV matched."),
    Field("avs_match", "1 when the address verification matched.", 1.0),
    Field("chargebacks_365d", "Chargebacks on the account in the last year."),
    Field("failed_logins_24h", "Failed logins on the account in the last 24 hours."),
    Field("days_since_password_change", "Days since the password was last changed.", 365.0),
)

CATEGORICAL: tuple[Field, ...] = (
    Field("merchant_category", "Merchant category."),
    Field("channel", "web, app or pos."),
    Field("country", "ISO 3166 country of the transaction.", "unknown"),
)

MERCHANT_CATEGORIES = (
    "grocery", "restaurant", "fuel", "pharmacy", "utilities", "fashion",
    "electronics", "travel", "digital_goods", "gaming", "gift_cards", "jewelry",
)
MERCHANT_CATEGORY_WEIGHTS = (0.22, 0.16, 0.1, 0.06, 0.06, 0.1, 0.08, 0.05, 0.07, 0.04, 0.03, 0.03)
# Typical ticket size relative to the account's average, and the category's base merchant risk.
CATEGORY_AMOUNT_FACTOR = (0.9, 0.6, 0.7, 0.5, 1.5, 1.3, 3.0, 5.0, 0.4, 0.5, 2.0, 4.0)
CATEGORY_RISK = (0.1, 0.12, 0.1, 0.08, 0.05, 0.25, 0.45, 0.35, 0.5, 0.45, 0.7, 0.55)
# Additive log-odds of fraud per category.
CATEGORY_LOGIT = (-0.6, -0.4, -0.3, -0.5, -0.8, 0.1, 0.5, 0.3, 0.7, 0.5, 1.1, 0.8)

CHANNELS = ("web", "app", "pos")
CHANNEL_WEIGHTS = (0.45, 0.35, 0.2)
CHANNEL_LOGIT = (0.3, 0.0, -0.7)

COUNTRIES = ("US", "GB", "DE", "FR", "NL", "ES", "IT", "CA", "BR", "NG")
COUNTRY_WEIGHTS = (0.55, 0.1, 0.08, 0.06, 0.04, 0.04, 0.04, 0.05, 0.02, 0.02)
HOME_COUNTRY = "US"

NUMERIC_NAMES = tuple(f.name for f in NUMERIC)
CATEGORICAL_NAMES = tuple(f.name for f in CATEGORICAL)
