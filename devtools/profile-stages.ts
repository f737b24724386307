/**
 * Which stage of the hot path a profiler sample belongs to: the leaf-most frame of its stack that a rule
 * recognises decides (a native `writeBuffer` under the producer counts as produce, a `utf8Slice` under
 * avsc as decode). Frames of Node's own internals match nothing, so the walk goes on to their caller.
 * A client library's shared network and protocol code serves both directions, so it only decides when
 * no more specific frame (the producer, the consumer, our adapters) is on the stack: a second pass.
 * Pure: a stack in, a stage name out, so the rules are unit-tested.
 */

export interface Frame {
  readonly functionName: string;
  readonly url: string;
}

export const STAGES = [
  'client fetch and record parsing',
  'value decode',
  'feature extraction',
  'tensor packing',
  'worker round trip',
  'inference',
  'intake and batching',
  'sequencing and sending',
  'prediction encoding',
  'produce',
  'commit',
  'metrics and logging',
  'GC',
  'other',
] as const;

export type Stage = (typeof STAGES)[number] | 'idle';

type Rule = readonly [Stage, (frame: Frame) => boolean];

const url =
  (...parts: string[]) =>
  (frame: Frame) =>
    parts.some((part) => frame.url.includes(part));
const fn = (pattern: RegExp) => (frame: Frame) => pattern.test(frame.functionName);
const both = (a: (f: Frame) => boolean, b: (f: Frame) => boolean) => (frame: Frame) => a(frame) && b(frame);

// Since the hot-path change the inference workers decode, extract, pack, run and encode
// (src/inference/score-records.ts); the main thread screens (input-format.ts) and builds the request.
const RULES: readonly Rule[] = [
  ['idle', fn(/^\((idle)\)$|^atomicsWaitLoop$/)],
  ['GC', fn(/^\(garbage collector\)$/)],
  ['inference', url('onnxruntime-node', 'src/inference/session.ts')],
  ['worker round trip', url('/piscina/', 'src/inference/pool.ts', 'src/inference/worker.ts', 'src/models/records-request.ts')],
  ['commit', url('src/kafka/platformatic/commit.ts', 'src/delivery/at-least-once.ts', 'src/delivery/committer.ts')],
  ['produce', url('src/kafka/platformatic/producer.ts', 'src/kafka/kafkajs/producer.ts', '/producer/', 'murmur2')],
  ['client fetch and record parsing', url('src/kafka/', '/clients/consumer/', '/kafkajs/src/consumer/')],
  ['prediction encoding', url('src/delivery/outcomes.ts', 'src/delivery/dead-letter.ts', 'src/codecs/prediction-encoder.ts', 'src/codecs/prediction.ts')],
  ['prediction encoding', both(url('/avsc/', 'src/codecs/avro.ts'), fn(/write|encode|toBuffer/i))],
  ['value decode', url('/avsc/', 'src/codecs/avro.ts', 'src/codecs/avro-reader.ts', 'src/codecs/json.ts', 'src/codecs/wire-format.ts')],
  // The compiled decoder reads values and puts them into the row in one pass: decode, with extraction
  // wherever V8 inlined the rules into it.
  [
    'value decode',
    url('src/codecs/avro-', 'src/codecs/row-decoder.ts', 'src/codecs/decoded-row.ts', 'src/inference/decoder-cache.ts', 'src/inference/thread-codecs.ts'),
  ],
  ['tensor packing', both(url('src/codecs/features.ts'), fn(/pack/))],
  ['feature extraction', url('src/codecs/features.ts', 'src/codecs/feature-fields.ts', 'src/codecs/feature-columns.ts')],
  ['sequencing and sending', url('src/delivery/', 'src/intake/ledger.ts', 'src/core/keyed-ring.ts')],
  ['intake and batching', url('src/intake/', 'src/batching/', 'src/models/', 'src/stages.ts', 'src/codecs/input-format.ts')],
  ['metrics and logging', url('/prom-client/', '/pino/', 'src/observability/')],
  // The worker's own loop around the stages above: slicing rows, outcomes, timings.
  ['worker round trip', url('src/inference/score-records.ts', 'src/inference/output-columns.ts')],
];

/** Shared client code: network, protocol encoding and parsing, checksums. */
const FALLBACK: readonly Rule[] = [['client fetch and record parsing', url('@platformatic/kafka', '/kafkajs/')]];

function firstMatch(stack: readonly Frame[], rules: readonly Rule[]): Stage | undefined {
  for (const frame of stack) {
    for (const [stage, matches] of rules) if (matches(frame)) return stage;
  }
  return undefined;
}

/** `stack` leaf first. */
export function stageOf(stack: readonly Frame[]): Stage {
  return firstMatch(stack, RULES) ?? firstMatch(stack, FALLBACK) ?? 'other';
}
