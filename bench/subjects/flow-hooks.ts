/**
 * The hooks of the benchmark's flow subject (bench/flow-subject.ts): what a payment flow's hooks do in
 * production, kept as cheap as such hooks are. Neither skips nor chains, so every input event still gets
 * exactly one prediction on the output topic, which is what the load generator counts.
 */
import type { PostprocessHook, PreprocessHook } from '../../src/flows/hook-api.ts';

/**
 * Trims and upper-cases the country, which the models' one-hot encoding compares exactly ("de " would
 * be an unknown category). The generator's countries are clean already; the hook pays for the check.
 */
export const preprocess: PreprocessHook = (events) => {
  for (const event of events) {
    const country = event['country'];
    if (typeof country === 'string') event['country'] = country.trim().toUpperCase();
  }
  return events;
};

/** A score from which a payment is declined outright. */
export const DECLINE_SCORE = 0.9;
/** A score from which a payment goes to a person, and the lower one from which a large payment does. */
export const REVIEW_SCORE = 0.5;
export const REVIEW_SCORE_LARGE = 0.3;
export const LARGE_AMOUNT = 1000;

/** The business rule: every prediction carries the decision its score and the payment's amount lead to. */
export const postprocess: PostprocessHook = (items) => {
  for (const { event, prediction } of items) {
    const amount = event['amount'];
    const large = typeof amount === 'number' && amount > LARGE_AMOUNT;
    const { score } = prediction;
    prediction.attributes['decision'] =
      score >= DECLINE_SCORE ? 'decline' : score >= REVIEW_SCORE || (large && score >= REVIEW_SCORE_LARGE) ? 'review' : 'approve';
  }
};
