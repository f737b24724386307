/**
 * Reads the prediction topic from the beginning, prints the first few predictions as a downstream team
 * would see them, and a summary once `--expect` predictions arrived (or `--timeout` seconds passed):
 * how many, how many distinct (input, model) pairs, duplicates, and the scoring throughput measured from the
 * predictions' own scored_at stamps. Predictions a flow made also show how they were made (flow,
 * experiment variant, fallback, chained models, attributes), and the summary counts them by flow, model
 * and variant.
 */
import { parseArgs } from 'node:util';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';

const { values } = parseArgs({
  options: {
    topic: { type: 'string', default: 'predictions' },
    format: { type: 'string', default: 'avro' },
    registry: { type: 'string', default: 'http://127.0.0.1:8081' },
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    expect: { type: 'string', default: '50000' },
    show: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '300' },
  },
});
const expected = Number(values.expect);
const registry = values.format === 'avro' ? new SchemaRegistry({ host: values.registry }) : undefined;
const kafka = new Kafka({ clientId: 'stream-scorer-watch', brokers: values.brokers.split(','), logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: `stream-scorer-watch-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 200 });
await consumer.connect();
await consumer.subscribe({ topic: values.topic, fromBeginning: true });

interface Prediction {
  score: number;
  label: string | null;
  model_name: string;
  model_version: number;
  source_topic: string;
  source_partition: number;
  source_offset: number | bigint;
  event_timestamp: number;
  scored_at: number;
  flow?: string | null;
  experiment?: string | null;
  variant?: string | null;
  fallback?: boolean;
  chained?: readonly { model_name: string; model_version: number; score: number }[];
  attributes?: Readonly<Record<string, string>>;
}

/** " flow=fraud variant=fraud-v2-ab/candidate chained=heavy:1=0.71 rule=review", or "" for a plain model's. */
function howMade(p: Prediction): string {
  if (p.flow === null || p.flow === undefined) return '';
  const parts = [`flow=${p.flow}`];
  if (p.experiment) parts.push(`variant=${p.experiment}/${p.variant}`);
  if (p.fallback) parts.push('fallback');
  for (const c of p.chained ?? []) parts.push(`chained=${c.model_name}:${c.model_version}=${c.score.toFixed(4)}`);
  for (const [k, v] of Object.entries(p.attributes ?? {})) parts.push(`${k}=${v}`);
  return ` ${parts.join(' ')}`;
}
let received = 0;
let shown = 0;
let firstScored = Infinity;
let lastScored = 0;
let latencySum = 0;
let lastProgress = 0;
const sources = new Set<string>();
/** Predictions by "flow model variant", for flows only. */
const byFlow = new Map<string, number>();
/** Flow predictions that carry a chained model's result, and those a hook wrote attributes on. */
let chained = 0;
let withAttributes = 0;
let finish!: () => void;
const done = new Promise<void>((resolve) => (finish = resolve));
const timer = setTimeout(finish, Number(values.timeout) * 1000);

await consumer.run({
  eachBatch: async ({ batch }) => {
    for (const m of batch.messages) {
      const p = (registry ? await registry.decode(m.value as Buffer) : JSON.parse(String(m.value))) as Prediction;
      received++;
      // By input and model: a flow that fans an input out to two models makes two predictions, not a duplicate.
      sources.add(`${p.source_topic}/${p.source_partition}/${p.source_offset}/${p.model_name}:${p.model_version}`);
      firstScored = Math.min(firstScored, p.scored_at);
      lastScored = Math.max(lastScored, p.scored_at);
      latencySum += p.scored_at - p.event_timestamp;
      if (p.flow) {
        const group = `flow=${p.flow} model=${p.model_name}:${p.model_version}${p.variant ? ` variant=${p.variant}` : ''}${p.fallback ? ' fallback' : ''}`;
        byFlow.set(group, (byFlow.get(group) ?? 0) + 1);
        if ((p.chained?.length ?? 0) > 0) chained++;
        if (Object.keys(p.attributes ?? {}).length > 0) withAttributes++;
      }
      if (shown < Number(values.show)) {
        shown++;
        console.log(
          `key=${m.key?.toString()} score=${p.score.toFixed(4)} label=${p.label} model=${p.model_name}:${p.model_version} from ${p.source_topic}[${p.source_partition}]@${p.source_offset}${howMade(p)}`,
        );
      }
    }
    const now = Date.now();
    if (now - lastProgress > 500 || received >= expected) {
      lastProgress = now;
      process.stderr.write(`\rpredictions: ${received}/${expected}`);
    }
    if (received >= expected) finish();
  },
});
await done;
clearTimeout(timer);
await consumer.disconnect();
const seconds = Math.max(0.001, (lastScored - firstScored) / 1000);
process.stderr.write('\n');
console.log(`predictions ${received}, distinct (input, model) ${sources.size}, duplicates ${received - sources.size}`);
for (const [group, n] of [...byFlow].sort()) console.log(`  ${group}: ${n}`);
if (byFlow.size > 0) console.log(`  with a chained model's result: ${chained}; with attributes from a hook: ${withAttributes}`);
console.log(`scoring throughput ${Math.round(received / seconds)} events/s (first to last scored_at: ${seconds.toFixed(2)} s)`);
console.log(`mean time from event to scoring ${(latencySum / Math.max(1, received)).toFixed(0)} ms (includes the backlog the events waited in)`);
process.exitCode = received >= expected ? 0 : 1;
