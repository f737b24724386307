/**
 * The contract between stream-scorer and the TypeScript hooks a flow or a model names. Hooks run in the
 * inference worker threads, on a whole batch at a time: one call per batch, never one per event, so a
 * hook pays its fixed costs once per batch. A hook that throws fails only the records of its call: they
 * go to the dead-letter topic as HOOK_FAILED and the stream goes on.
 *
 * A hook module exports any of `preprocess`, `postprocess` and (for a model of kind `heuristic`)
 * `predict`, each a function of the types below. Types only: a hook imports nothing at run time.
 */

/** A decoded input event: the Avro record (with its writer schema's field names) or the JSON object. */
export type HookEvent = Record<string, unknown>;

/** Where an event came from, for hooks that care. */
export interface EventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record key as UTF-8, or null. */
  readonly key: string | null;
}

/** Skips an event: it gets no prediction and goes to the dead-letter topic as SKIPPED with this reason. */
export interface Skip {
  readonly skip: string;
}

/**
 * Returns one entry per event, in order: the event (the same object, changed in place, or a new one)
 * or a Skip.
 */
export type PreprocessHook = (events: readonly HookEvent[], context: readonly EventContext[]) => readonly (HookEvent | Skip)[];

/** One model's answer for one event, as a postprocess hook sees and may change it. */
export interface HookPrediction {
  score: number;
  label: string | null;
  /** Extra fields written into the prediction's `attributes` map (values become strings). */
  readonly attributes: Record<string, string>;
  /** Set to a served model's name (or "name:version") to score this event with it too (chaining). */
  chain?: string;
}

export interface PostprocessItem {
  readonly event: HookEvent;
  readonly context: EventContext;
  /** modelId ("name:version") of the model that scored the event. */
  readonly model: string;
  readonly prediction: HookPrediction;
}

/** Changes the predictions in place (label, score, attributes, chain); its return value is ignored. */
export type PostprocessHook = (items: readonly PostprocessItem[]) => void;

/** A model that is only code: one score (and optional label) per event, in order. */
export type HeuristicHook = (events: readonly HookEvent[], context: readonly EventContext[]) => readonly { score: number; label?: string | null }[];
