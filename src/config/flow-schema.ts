/**
 * The `flows` and `experiments` settings (issue 10): type, range, default and doc of each, like the rest
 * in schema.ts. What relates them to each other, to the inputs and to models.serve is in flow-rules.ts.
 */
import { int, list, num, oneOf, type ShapeOf, scalar, str } from './dsl.ts';
import { FORMATS, NAME_CHARS, name, topic } from './nodes.ts';
import type { CanaryConfig, EnrichConfig, ExperimentConfig, FlowConfig, ShadowConfig } from './types.ts';

const MODEL_REF = `${NAME_CHARS}(@[1-9][0-9]*)?`;
const MODEL_REF_HINT = 'must be a model ref: "name" or "name@version"';
const EXPERIMENT_REF = `experiment:${NAME_CHARS}`;

const modelRef = (doc: string) => str({ doc, pattern: new RegExp(`^${MODEL_REF}$`), hint: MODEL_REF_HINT });
/** What a flow scores a record with: a model, or an experiment that picks one of its variants' models. */
const target = (doc: string) => str({ doc, pattern: new RegExp(`^(${MODEL_REF}|${EXPERIMENT_REF})$`), hint: `${MODEL_REF_HINT}, or "experiment:<id>"` });

const hook = (doc: string) =>
  str({ doc, optional: true, pattern: /^[^#]+(#[A-Za-z_$][A-Za-z0-9_$]*)?$/, hint: 'must be "path/to/file.ts" or "path/to/file.ts#exportName"' });

const fieldPath = (doc: string) => str({ doc, optional: true, pattern: /^[^.]+(\.[^.]+)*$/, hint: 'must be a dotted field path, e.g. "user.id"' });

const route: ShapeOf<NonNullable<FlowConfig['route']>> & { readonly optional: true } = {
  kind: 'object',
  optional: true,
  doc: 'Picks the models per record; absent: every record goes to models',
  fields: {
    by: oneOf(['field', 'header', 'topic'], { doc: 'What picks the models: a decoded field, a record header, or the input topic' }),
    name: str({ doc: "The field's dotted path (by field) or the header's name (by header); not with by topic", optional: true, minLength: 1 }),
    cases: list(
      {
        kind: 'object',
        fields: {
          value: str({ doc: 'The value this case matches, compared as a string', hint: 'must be a string (quote a number: "42")' }),
          models: list(target('A model ref or "experiment:<id>" that scores a matching record'), {
            doc: 'What scores a matching record; several: fan-out',
            minItems: 1,
          }),
        },
      },
      { doc: 'The routing table: value -> models', minItems: 1, uniqueBy: 'value' },
    ),
    default: list(target('A model ref or "experiment:<id>" for records that match no case'), {
      doc: 'What scores a record that matches no case; absent: it goes to the DLQ as NO_MODEL',
      optional: true,
      minItems: 1,
    }),
  },
};

const shadow: ShapeOf<ShadowConfig> = {
  kind: 'object',
  fields: {
    of: modelRef('The routed model it shadows (directly or as a variant)'),
    candidate: modelRef('The model scored beside it on the same records'),
    topic: topic("Where the candidate's predictions go; never a primary prediction topic"),
  },
};

const canary: ShapeOf<CanaryConfig> & { readonly optional: true } = {
  kind: 'object',
  optional: true,
  doc: "A share of one routed model's records to a new version, rolled back when it breaches a bound",
  fields: {
    of: modelRef('A model the flow routes to directly'),
    candidate: modelRef("The new version that takes a share of of's records"),
    percent: num({ doc: "Share of of's records that go to the candidate, in percent", min: 0, max: 100, exclusive: true }),
    key: fieldPath('Dotted path of the field that keys allocation; absent: the record key'),
    maxErrorRate: num({ doc: 'Roll back above this share of failed candidate records in the window', min: 0, max: 1, default: 0.05 }),
    maxP99Ms: num({ doc: "Roll back when the p99 of the candidate's run time per batch in the window is above this", optional: true, min: 0, exclusive: true }),
    minRequests: int({ doc: 'No verdict before the window holds this many candidate records', min: 1, default: 200 }),
    windowMs: int({ doc: 'The sliding window the bounds are checked over', min: 1, default: 60_000 }),
  },
};

const enrich: ShapeOf<EnrichConfig> & { readonly optional: true } = {
  kind: 'object',
  optional: true,
  doc: 'Features looked up in Redis for each batch, before the preprocess hook, behind a per-worker TTL cache',
  fields: {
    redis: {
      kind: 'object',
      fields: { url: str({ doc: 'redis://[user:password@]host:port[/db]', pattern: /^rediss?:\/\/[^/]+/, hint: 'must be a redis:// or rediss:// URL' }) },
    },
    lookups: list(
      {
        kind: 'object',
        fields: {
          key: str({ doc: 'Key template: event fields in braces, e.g. "customer:{account_id}"', minLength: 1 }),
          as: oneOf(['hash', 'json'], { doc: 'A hash (HMGET of the fields) or a JSON string (MGET)' }),
          fields: list(
            {
              kind: 'object',
              fields: {
                name: str({ doc: 'The event field it sets', pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, hint: 'must be a field name (letters, digits, _)' }),
                from: str({ doc: 'The hash field, or the dotted path in the JSON value', minLength: 1 }),
                type: oneOf(['number', 'string'], { doc: 'What the event field holds; a stored string is parsed for number', default: 'number' }),
                default: scalar({ doc: 'Filled when the value is missing; absent: the record goes to the DLQ as MISSING_FEATURE', optional: true }),
              },
            },
            { doc: 'The features read from the value', minItems: 1, uniqueBy: 'name' },
          ),
        },
      },
      { doc: 'One key per event each; all keys of a batch in one round trip', minItems: 1, uniqueBy: 'key' },
    ),
    cache: {
      kind: 'object',
      fields: {
        ttlMs: int({ doc: 'How long a found value is served from the cache', min: 0, default: 30_000 }),
        negativeTtlMs: int({ doc: 'How long a missing key or field is remembered as missing', min: 0, default: 1000 }),
        maxEntries: int({ doc: 'Keys each worker thread caches at most (least recently used go first)', min: 1, default: 100_000 }),
      },
    },
    onUnavailable: oneOf(['wait', 'defaults'], {
      doc: 'Redis down or slow after the retries: hand the batch back and wait, or score with the defaults, flagged',
      default: 'wait',
    }),
    timeoutMs: int({ doc: 'A round trip longer than this fails (and is tried again)', min: 1, default: 200 }),
    retries: int({ doc: 'Round trips tried again, with backoff, before Redis counts as unavailable for the batch', min: 0, default: 3 }),
  },
};

const flow: ShapeOf<FlowConfig> = {
  kind: 'object',
  fields: {
    name: name('Flow name, stamped on its predictions and a metric label', {
      pattern: new RegExp(`^${NAME_CHARS}$`),
      hint: "must be a name (letters, digits, '.', '_', '-')",
    }),
    inputs: list(
      {
        kind: 'object',
        fields: {
          topic: topic('Topic the flow consumes'),
          format: oneOf(FORMATS, { doc: 'Encoding of record values' }),
        },
      },
      { doc: 'Topics the flow consumes; a topic belongs to one input or one flow', minItems: 1, uniqueBy: 'topic' },
    ),
    preprocess: hook('Hook run on each batch before routing, "path/to/file.ts#export" (export default: preprocess)'),
    models: list(target('A model ref or "experiment:<id>"'), {
      doc: 'Without a route: what scores every record (several: fan-out)',
      optional: true,
      minItems: 1,
    }),
    route,
    postprocess: hook('Hook run on each model\'s scored rows, "path/to/file.ts#export" (export default: postprocess)'),
    fallback: {
      kind: 'object',
      optional: true,
      doc: 'What answers when a model fails on a record, misses its deadline or has its circuit open; absent: the record goes to the DLQ as INFERENCE_FAILED',
      fields: {
        score: num({ doc: 'Score of the constant answer; required unless model is given', optional: true }),
        label: str({ doc: 'Label of the constant answer; absent: null', optional: true }),
        model: str({
          doc: 'A served model that answers first (a heuristic, or the previous version)',
          optional: true,
          pattern: new RegExp(`^${MODEL_REF}$`),
          hint: MODEL_REF_HINT,
        }),
        deadlineMs: int({ doc: 'A model run longer than this for a batch is answered by the fallback', optional: true, min: 1 }),
        circuit: {
          kind: 'object',
          optional: true,
          doc: 'Error budget: a model failing this often is skipped (the fallback answers) for openMs, then tried again',
          fields: {
            errorRate: num({ doc: 'Share of failed batches (errors or missed deadlines) that opens the circuit', min: 0, max: 1, exclusive: true }),
            minBatches: int({ doc: 'Batches within the window before the rate counts', default: 20, min: 1 }),
            windowMs: int({ doc: 'How far back batches count', default: 60000, min: 1 }),
            openMs: int({ doc: 'How long the circuit stays open before one batch tries the model again', default: 10000, min: 1 }),
          },
        },
      },
    },
    output: topic("Prediction topic of this flow; absent: output.topic's", { optional: true }),
    shadow: list(shadow, {
      doc: 'Candidates scored beside routed models, their predictions to side topics; shed first under pressure',
      optional: true,
      minItems: 1,
      uniqueBy: ['of', 'candidate'],
    }),
    canary,
    enrich,
  },
};

export const flowsSchema = list(flow, { doc: 'Model flows: hooks, routing, fan-out, experiments, fallbacks', default: [], uniqueBy: 'name' });

const experiment: ShapeOf<ExperimentConfig> = {
  kind: 'object',
  fields: {
    id: name('Experiment id: routes name it as "experiment:<id>"; it seeds the allocation hash', {
      pattern: new RegExp(`^${NAME_CHARS}$`),
      hint: "must be an id (letters, digits, '.', '_', '-')",
    }),
    key: fieldPath('Dotted path of the field that keys allocation (a user id); absent: the record key'),
    variants: list(
      {
        kind: 'object',
        fields: {
          name: name('Variant name, stamped on the predictions it scores'),
          model: modelRef('The model ref that scores this variant'),
          weight: num({ doc: 'Relative weight: the share is weight / the sum of weights', min: 0, exclusive: true }),
        },
      },
      { doc: 'At least two; names unique', minItems: 2, uniqueBy: 'name' },
    ),
  },
};

export const experimentsSchema = list(experiment, { doc: 'A/B tests that flows name as "experiment:<id>"', default: [], uniqueBy: 'id' });
