/**
 * The hooks of the example fraud flow (config/flows.example.yaml): events cleaned before routing, and a
 * business rule and the chaining to the heavy model applied to the fraud models' scores. Hooks run in
 * the inference workers on a whole batch per call (src/flows/hook-api.ts).
 */
import type { HookEvent, PostprocessHook, PreprocessHook, Skip } from '../../src/flows/hook-api.ts';

/**
 * Upper-cases the country, which the route and the models' one-hot encoding compare exactly ("de" would
 * match no case and no category), and skips payments with no positive amount: refunds and zero-value card
 * checks are not fraud-scored.
 */
export const preprocess: PreprocessHook = (events) =>
  events.map((event): HookEvent | Skip => {
    const amount = event['amount'];
    if (typeof amount !== 'number' || !(amount > 0)) return { skip: `amount ${String(amount)} is not positive: not a payment to score` };
    const country = event['country'];
    if (typeof country === 'string') event['country'] = country.trim().toUpperCase();
    return event;
  });

/** A high score on a large payment goes to a person rather than straight to a decline. */
const REVIEW_SCORE = 0.8;
const REVIEW_AMOUNT = 1000;
/** Above this the fraud score asks the heavy model for a second opinion (issue 10's chaining example). */
const CHAIN_SCORE = 0.5;
const CHAINED = 'heavy';

export const postprocess: PostprocessHook = (items) => {
  for (const { event, model, prediction } of items) {
    // The chained model's own rows come here too: its answer is kept as it is, and never chains again.
    if (model.startsWith(`${CHAINED}:`)) continue;
    if (prediction.score > CHAIN_SCORE) prediction.chain = CHAINED;
    const amount = event['amount'];
    if (prediction.score > REVIEW_SCORE && typeof amount === 'number' && amount > REVIEW_AMOUNT) {
      prediction.label = 'review';
      prediction.attributes['rule'] = 'high-score-large-amount';
    }
  }
};
