/**
 * The rules model: a fraud score from a few hand-written rules over a payment event's fields
 * (schemas/payment-event.avsc), each adding its weight when it holds. A first release's stand-in for a
 * trained model, served as a model of kind heuristic (issue 10). One call scores a whole batch.
 */
import type { HeuristicHook, HookEvent } from '../../../src/flows/hook-api.ts';

/** A numeric field, 0 when it is missing or null (JSON producers may leave optional fields out). */
const num = (event: HookEvent, field: string): number => {
  const value = event[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
};

interface Rule {
  readonly weight: number;
  readonly holds: (event: HookEvent) => boolean;
}

const BASE = 0.02;

const RULES: readonly Rule[] = [
  { weight: 0.35, holds: (e) => num(e, 'ip_risk_score') > 0.8 },
  { weight: 0.2, holds: (e) => num(e, 'device_risk_score') > 0.8 },
  { weight: 0.2, holds: (e) => e['cvv_match'] === 0 },
  { weight: 0.15, holds: (e) => num(e, 'is_new_device') === 1 && num(e, 'is_new_shipping_address') === 1 },
  { weight: 0.15, holds: (e) => num(e, 'failed_logins_24h') >= 3 },
  { weight: 0.1, holds: (e) => num(e, 'declined_count_24h') >= 2 },
  // Far above the account's usual ticket; an account with no history has no average to compare with.
  { weight: 0.2, holds: (e) => num(e, 'amount_avg_30d') > 0 && num(e, 'amount') > 5 * num(e, 'amount_avg_30d') },
];

/** The fraud model's labels are its int64 classes as decimal strings: the same here, so consumers need not tell them apart. */
const labelOf = (score: number): string => (score >= 0.5 ? '1' : '0');

export const predict: HeuristicHook = (events) =>
  events.map((event) => {
    const score = Math.min(1, RULES.reduce((sum, rule) => (rule.holds(event) ? sum + rule.weight : sum), BASE));
    return { score, label: labelOf(score) };
  });
