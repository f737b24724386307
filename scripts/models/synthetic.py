"""Synthetic payment events with a fraud label drawn from a logistic function of a few features.

The story: each row is one card transaction of an account. Velocity counts, amounts and risk scores follow
skewed distributions; a handful of features (amount against the account's average, velocity, declines, IP
and device risk, new device or address, CVV, night hours, category, channel, account age) drive the log-odds
of fraud. Optional fields are missing for a few rows; missing values reach the model as their defaults,
exactly as the serving side fills them.
"""

from dataclasses import dataclass

import numpy as np

import features as F

# Relative transaction volume per UTC hour: quiet nights, busy midday and evening.
HOUR_WEIGHTS = np.array([
    1.0, 0.7, 0.5, 0.4, 0.4, 0.6, 1.2, 2.2, 3.2, 3.8, 4.2, 4.6,
    5.0, 4.8, 4.4, 4.2, 4.4, 4.8, 5.2, 5.0, 4.2, 3.2, 2.2, 1.5,
])
MISSING_RATE = 0.05
# The training data: the first TRAIN_ROWS rows drawn from a generator seeded with SEED (train.py, feature_stats.py).
SEED = 20250303
TRAIN_ROWS = 20_000
# 2025-03-03T00:00:00Z, a Monday; event_time is placed in the week that starts on the Sunday before it.
EPOCH_SUNDAY_MS = 1740960000000 - 86_400_000


@dataclass
class Batch:
    """Rows as they appear in events: NaN (numeric) or None (categorical) where an optional field is null."""
    numeric: np.ndarray  # float64 [n, len(F.NUMERIC)]
    categorical: dict[str, np.ndarray]  # name -> object array of str | None
    label: np.ndarray  # int64 [n]


def _pick(rng: np.random.Generator, values: tuple, weights: tuple, n: int) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(values), size=n, p=p / p.sum())


def _columns(rng: np.random.Generator, n: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    cat = _pick(rng, F.MERCHANT_CATEGORIES, F.MERCHANT_CATEGORY_WEIGHTS, n)
    channel = _pick(rng, F.CHANNELS, F.CHANNEL_WEIGHTS, n)
    country = _pick(rng, F.COUNTRIES, F.COUNTRY_WEIGHTS, n)
    pos = channel == 2
    c: dict[str, np.ndarray] = {}
    c["account_age_days"] = np.minimum(np.floor(rng.lognormal(5.8, 1.2, n)), 7300)
    c["card_age_days"] = np.minimum(c["account_age_days"], np.floor(rng.lognormal(5.3, 1.1, n)))
    c["amount_avg_30d"] = np.round(rng.lognormal(3.6, 0.7, n), 2)
    factor = np.asarray(F.CATEGORY_AMOUNT_FACTOR)[cat]
    c["amount"] = np.round(np.maximum(0.5, c["amount_avg_30d"] * factor * rng.lognormal(0, 0.6, n)), 2)
    c["txn_count_1h"] = rng.poisson(0.3, n).astype(np.float64)
    c["txn_count_24h"] = c["txn_count_1h"] + rng.poisson(2.5, n)
    c["txn_count_7d"] = c["txn_count_24h"] + rng.poisson(12, n)
    others = c["txn_count_24h"] * c["amount_avg_30d"] * rng.lognormal(0, 0.3, n)
    c["amount_sum_24h"] = np.round(c["amount"] + others, 2)
    c["distinct_merchants_24h"] = np.minimum(c["txn_count_24h"] + 1, 1 + rng.binomial(4, 0.4, n))
    c["distinct_cards_30d"] = 1 + rng.poisson(0.25, n).astype(np.float64)
    c["declined_count_24h"] = rng.poisson(0.12, n).astype(np.float64)
    c["days_since_last_txn"] = np.round(rng.exponential(1.5, n), 3)
    intl = (F.COUNTRIES.index(F.HOME_COUNTRY) != country).astype(np.float64)
    c["distance_from_home_km"] = np.round(rng.exponential(12, n) + intl * rng.uniform(300, 6000, n), 1)
    c["distance_from_last_txn_km"] = np.round(rng.exponential(8, n) + intl * rng.uniform(0, 3000, n), 1)
    c["ip_risk_score"] = np.round(rng.beta(1.4, 9, n), 4)
    c["device_risk_score"] = np.round(rng.beta(1.2, 10, n), 4)
    c["email_risk_score"] = np.round(rng.beta(1.5, 9, n), 4)
    base = np.asarray(F.CATEGORY_RISK)[cat]
    c["merchant_risk_score"] = np.round(np.clip(base + rng.normal(0, 0.1, n), 0, 1), 4)
    c["merchant_fraud_rate_90d"] = np.round(rng.beta(1, 150, n) * (0.5 + 2 * base), 5)
    c["hour_of_day"] = _pick(rng, tuple(range(24)), tuple(HOUR_WEIGHTS), n).astype(np.float64)
    c["day_of_week"] = rng.integers(0, 7, n).astype(np.float64)
    c["is_international"] = intl
    c["is_card_present"] = np.where(pos, rng.random(n) < 0.95, rng.random(n) < 0.02).astype(np.float64)
    c["is_new_device"] = np.where(pos, 0.0, rng.random(n) < 0.06).astype(np.float64)
    c["is_new_shipping_address"] = ((channel == 0) & (rng.random(n) < 0.08)).astype(np.float64)
    c["cvv_match"] = (rng.random(n) < 0.97).astype(np.float64)
    c["avs_match"] = (rng.random(n) < 0.93).astype(np.float64)
    c["chargebacks_365d"] = rng.poisson(0.05, n).astype(np.float64)
    c["failed_logins_24h"] = np.where(pos, 0, rng.poisson(0.15, n)).astype(np.float64)
    c["days_since_password_change"] = np.floor(rng.exponential(200, n))
    return c, cat, np.stack([channel, country], axis=1)


def _fraud_logit(c: dict[str, np.ndarray], cat: np.ndarray, channel: np.ndarray) -> np.ndarray:
    night = ((c["hour_of_day"] <= 4) | (c["hour_of_day"] >= 23)).astype(np.float64)
    # About 7% fraud; the scale sets how separable the classes are (test AUC about 0.9).
    return -6.0 + 1.8 * (
        1.0 * np.log(c["amount"] / c["amount_avg_30d"] / np.asarray(F.CATEGORY_AMOUNT_FACTOR)[cat])
        + 0.6 * c["txn_count_1h"]
        + 0.9 * np.log1p(c["declined_count_24h"])
        + 5.0 * c["ip_risk_score"]
        + 4.0 * c["device_risk_score"]
        + 1.3 * c["is_new_device"]
        + 1.0 * c["is_new_shipping_address"]
        + 1.6 * (1 - c["cvv_match"])
        + 0.7 * c["is_international"]
        + 0.7 * night
        - 0.35 * np.log1p(c["account_age_days"] / 30)
        + 0.3 * c["failed_logins_24h"]
        + np.asarray(F.CATEGORY_LOGIT)[cat]
        + np.asarray(F.CHANNEL_LOGIT)[channel]
    )


def generate(rng: np.random.Generator, n: int) -> Batch:
    c, cat, ch_country = _columns(rng, n)
    logit = _fraud_logit(c, cat, ch_country[:, 0])
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    numeric = np.stack([c[f.name] for f in F.NUMERIC], axis=1)
    for j, f in enumerate(F.NUMERIC):
        if f.default is not None:
            numeric[rng.random(n) < MISSING_RATE, j] = np.nan
    country = np.array(F.COUNTRIES, dtype=object)[ch_country[:, 1]]
    country[rng.random(n) < MISSING_RATE] = None
    categorical = {
        "merchant_category": np.array(F.MERCHANT_CATEGORIES, dtype=object)[cat],
        "channel": np.array(F.CHANNELS, dtype=object)[ch_country[:, 0]],
        "country": country,
    }
    return Batch(numeric, categorical, label)


def model_inputs(batch: Batch) -> dict[str, np.ndarray]:
    """The ONNX feeds for a batch: nulls replaced by defaults, numbers rounded to float32 as the server does."""
    numeric = batch.numeric.copy()
    for j, f in enumerate(F.NUMERIC):
        if f.default is not None:
            numeric[np.isnan(numeric[:, j]), j] = f.default
    feeds = {"numeric": numeric.astype(np.float32)}
    for f in F.CATEGORICAL:
        col = batch.categorical[f.name]
        filled = np.where(col == None, f.default, col) if f.default is not None else col  # noqa: E711
        feeds[f.name] = filled.astype(object).reshape(-1, 1)
    return feeds


def sklearn_frame(feeds: dict[str, np.ndarray]) -> np.ndarray:
    """One object matrix: the float32 numeric columns (as exact float64) then the categorical columns."""
    parts = [feeds["numeric"].astype(np.float64).astype(object)]
    parts += [feeds[f.name] for f in F.CATEGORICAL]
    return np.concatenate(parts, axis=1)


def event_time_ms(rng: np.random.Generator, hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """A timestamp whose UTC hour and weekday agree with hour_of_day and day_of_week."""
    within_hour = rng.integers(0, 3_600_000, hour.shape[0])
    return EPOCH_SUNDAY_MS + weekday.astype(np.int64) * 86_400_000 + hour.astype(np.int64) * 3_600_000 + within_hour
