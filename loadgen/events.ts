/**
 * Deterministic payment events for load tests and demos, shaped like schemas/payment-event.avsc and drawn
 * from roughly the distributions scripts/models/synthetic.py trains the models on. Also reads the golden
 * files the training script writes next to each model.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScorerError } from '../src/errors.ts';
import { createKeyPicker, UNIFORM_KEYS } from './keys.ts';
import { Random, Weighted } from './random.ts';
import type { KeyDistribution } from './types.ts';

export interface PaymentEvent {
  readonly event_id: string;
  /** Producers use it as the Kafka key. */
  readonly account_id: string;
  /** Epoch milliseconds (Avro timestamp-millis). */
  readonly event_time: number;
  readonly amount: number;
  readonly amount_avg_30d: number;
  readonly amount_sum_24h: number;
  readonly txn_count_1h: number;
  readonly txn_count_24h: number;
  readonly txn_count_7d: number;
  readonly distinct_merchants_24h: number;
  readonly distinct_cards_30d: number;
  readonly declined_count_24h: number;
  readonly account_age_days: number;
  readonly card_age_days: number;
  readonly days_since_last_txn: number;
  readonly distance_from_home_km: number;
  readonly distance_from_last_txn_km: number | null;
  readonly ip_risk_score: number;
  readonly device_risk_score: number;
  readonly email_risk_score: number | null;
  readonly merchant_risk_score: number | null;
  readonly merchant_fraud_rate_90d: number | null;
  readonly hour_of_day: number;
  readonly day_of_week: number;
  readonly is_international: number;
  readonly is_card_present: number;
  readonly is_new_device: number;
  readonly is_new_shipping_address: number;
  readonly cvv_match: number;
  readonly avs_match: number | null;
  readonly chargebacks_365d: number;
  readonly failed_logins_24h: number;
  readonly days_since_password_change: number | null;
  readonly merchant_category: string;
  readonly channel: string;
  readonly country: string | null;
}

export interface GoldenRow {
  readonly event: PaymentEvent;
  /** P(class 1) as onnxruntime (Python) computed it. */
  readonly score: number;
  readonly label: string;
}

export interface GoldenSet {
  readonly model: string;
  readonly version: number;
  /** Largest acceptable |score - expected|. */
  readonly tolerance: number;
  readonly rows: readonly GoldenRow[];
}

export interface EventGeneratorOptions {
  readonly seed: number;
  /** Size of the account pool events are spread over; 10,000 unless given. */
  readonly accounts?: number;
  /** How events spread over the accounts; uniform unless given. */
  readonly keys?: KeyDistribution;
}

export interface EventGenerator {
  /** The next event, stamped `now` (epoch ms); hour_of_day and day_of_week follow it in UTC. */
  next(now: number): PaymentEvent;
}

interface Category {
  readonly name: string;
  /** Typical ticket relative to the account's average. */
  readonly amountFactor: number;
  /** Base merchant risk score. */
  readonly risk: number;
}

// name, share of transactions, amount factor, base risk: as in scripts/models/features.py.
const CATEGORIES = new Weighted<Category>(
  (
    [
      ['grocery', 0.22, 0.9, 0.1],
      ['restaurant', 0.16, 0.6, 0.12],
      ['fuel', 0.1, 0.7, 0.1],
      ['pharmacy', 0.06, 0.5, 0.08],
      ['utilities', 0.06, 1.5, 0.05],
      ['fashion', 0.1, 1.3, 0.25],
      ['electronics', 0.08, 3.0, 0.45],
      ['travel', 0.05, 5.0, 0.35],
      ['digital_goods', 0.07, 0.4, 0.5],
      ['gaming', 0.04, 0.5, 0.45],
      ['gift_cards', 0.03, 2.0, 0.7],
      ['jewelry', 0.03, 4.0, 0.55],
    ] as const
  ).map(([name, share, amountFactor, risk]) => [{ name, amountFactor, risk }, share] as const),
);
const CHANNELS = new Weighted([
  ['web', 0.45],
  ['app', 0.35],
  ['pos', 0.2],
] as const);
const COUNTRIES = new Weighted(
  (
    [
      ['US', 0.55],
      ['GB', 0.1],
      ['DE', 0.08],
      ['FR', 0.06],
      ['NL', 0.04],
      ['ES', 0.04],
      ['IT', 0.04],
      ['CA', 0.05],
      ['BR', 0.02],
      ['NG', 0.02],
    ] as const
  ).map(([code, weight]) => [code as string, weight] as const),
);
const HOME_COUNTRY = 'US';
/** Share of events in which each optional field is null. */
const MISSING_RATE = 0.05;
const DAY_MS = 86_400_000;

/** What stays fixed for an account; ages are counted from `since`, the first time it is used. */
interface Account {
  readonly id: string;
  readonly since: number;
  readonly ageDays: number;
  readonly cardAgeDays: number;
  readonly amountAvg30d: number;
  readonly passwordAgeDays: number;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The Kafka key of account `index`; the load generator builds keys with it too. */
export function accountId(index: number): string {
  return `acct-${String(index).padStart(6, '0')}`;
}

function newAccount(random: Random, index: number, now: number): Account {
  const ageDays = Math.min(Math.floor(random.lognormal(5.8, 1.2)), 7300);
  return {
    id: accountId(index),
    since: now,
    ageDays,
    cardAgeDays: Math.min(ageDays, Math.floor(random.lognormal(5.3, 1.1))),
    amountAvg30d: round(random.lognormal(3.6, 0.7), 2),
    passwordAgeDays: Math.floor(random.exponential(200)),
  };
}

function uuidV4(random: Random): string {
  const hex = [random.uint32(), random.uint32(), random.uint32(), random.uint32()].map((word) => word.toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Null for MISSING_RATE of events: exercises the defaults in the model configs. */
function optional<T>(random: Random, value: T): T | null {
  return random.uniform() < MISSING_RATE ? null : value;
}

/** Velocity and amounts: counts nest (1h within 24h within 7d) and the 24h sum includes this amount. */
function activity(random: Random, account: Account, category: Category) {
  const amount = round(Math.max(0.5, account.amountAvg30d * category.amountFactor * random.lognormal(0, 0.6)), 2);
  const txn1h = random.poisson(0.3);
  const txn24h = txn1h + random.poisson(2.5);
  const others = txn24h * account.amountAvg30d * random.lognormal(0, 0.3);
  let binomial = 0;
  for (let i = 0; i < 4; i++) binomial += random.chance(0.4);
  return {
    amount,
    amount_avg_30d: account.amountAvg30d,
    amount_sum_24h: round(amount + others, 2),
    txn_count_1h: txn1h,
    txn_count_24h: txn24h,
    txn_count_7d: txn24h + random.poisson(12),
    distinct_merchants_24h: Math.min(txn24h + 1, 1 + binomial),
    distinct_cards_30d: 1 + random.poisson(0.25),
    declined_count_24h: random.poisson(0.12),
  };
}

function paymentEvent(random: Random, account: Account, now: number): PaymentEvent {
  const category = CATEGORIES.pick(random);
  const channel = CHANNELS.pick(random);
  const country = COUNTRIES.pick(random);
  const pos = channel === 'pos';
  const intl = country === HOME_COUNTRY ? 0 : 1;
  const elapsedDays = Math.floor((now - account.since) / DAY_MS);
  const time = new Date(now);
  return {
    event_id: uuidV4(random),
    account_id: account.id,
    event_time: now,
    ...activity(random, account, category),
    account_age_days: account.ageDays + elapsedDays,
    card_age_days: account.cardAgeDays + elapsedDays,
    days_since_last_txn: round(random.exponential(1.5), 3),
    distance_from_home_km: round(random.exponential(12) + intl * (300 + 5700 * random.uniform()), 1),
    distance_from_last_txn_km: optional(random, round(random.exponential(8) + intl * 3000 * random.uniform(), 1)),
    ip_risk_score: round(random.beta(1.4, 9), 4),
    device_risk_score: round(random.beta(1.2, 10), 4),
    email_risk_score: optional(random, round(random.beta(1.5, 9), 4)),
    merchant_risk_score: optional(random, round(Math.min(1, Math.max(0, category.risk + 0.1 * random.normal())), 4)),
    merchant_fraud_rate_90d: optional(random, round(random.beta(1, 150) * (0.5 + 2 * category.risk), 5)),
    hour_of_day: time.getUTCHours(),
    day_of_week: time.getUTCDay(),
    is_international: intl,
    is_card_present: random.chance(pos ? 0.95 : 0.02),
    is_new_device: pos ? 0 : random.chance(0.06),
    is_new_shipping_address: channel === 'web' ? random.chance(0.08) : 0,
    cvv_match: random.chance(0.97),
    avs_match: optional(random, random.chance(0.93)),
    chargebacks_365d: random.poisson(0.05),
    failed_logins_24h: pos ? 0 : random.poisson(0.15),
    days_since_password_change: optional(random, account.passwordAgeDays + elapsedDays),
    merchant_category: category.name,
    channel,
    country: optional(random, country),
  };
}

export function createEventGenerator(options: EventGeneratorOptions): EventGenerator {
  const random = new Random(options.seed);
  const accounts: (Account | undefined)[] = new Array(Math.max(1, options.accounts ?? 10_000));
  const pickAccount = createKeyPicker(options.keys ?? UNIFORM_KEYS, accounts.length);
  return {
    next(now: number): PaymentEvent {
      const index = pickAccount(random);
      let account = accounts[index];
      if (account === undefined) {
        account = newAccount(random, index, now);
        accounts[index] = account;
      }
      return paymentEvent(random, account, now);
    },
  };
}

function invalidGolden(path: string, problem: string): ScorerError {
  return new ScorerError('SCORER_ERR_MODEL_LOAD', `golden file ${path}: ${problem}`, { details: { path } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads <modelDir>/golden.json (modelDir is a version directory such as models/fraud/1). Checks the shape,
 * not every event field: the events are compared against the Avro schema by the tests that use them.
 */
export function loadGolden(modelDir: string): GoldenSet {
  const path = join(modelDir, 'golden.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ScorerError('SCORER_ERR_MODEL_LOAD', `golden file ${path} could not be read`, { cause, details: { path } });
  }
  if (!isRecord(parsed) || typeof parsed['model'] !== 'string' || typeof parsed['version'] !== 'number') {
    throw invalidGolden(path, 'expected an object with model (string) and version (number)');
  }
  const { model, version, tolerance, rows } = parsed;
  if (typeof tolerance !== 'number' || !(tolerance >= 0)) throw invalidGolden(path, 'tolerance must be a number >= 0');
  if (!Array.isArray(rows) || rows.length === 0) throw invalidGolden(path, 'rows must be a non-empty array');
  rows.forEach((row: unknown, i) => {
    if (!isRecord(row) || !isRecord(row['event']) || typeof row['score'] !== 'number' || typeof row['label'] !== 'string') {
      throw invalidGolden(path, `row ${i} needs event (object), score (number) and label (string)`);
    }
  });
  return { model, version, tolerance, rows: rows as GoldenRow[] };
}
