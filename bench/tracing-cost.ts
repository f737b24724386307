/**
 * What tracing costs the main thread per event, alone: the pipeline tracer (src/observability/tracing/)
 * driven as the stages drive it (admit every record, a batch per BATCH rows with its worker steps,
 * every outcome acknowledged), exporting over OTLP/HTTP to a counting receiver in this process, against
 * the same loop at ratio 0. No Kafka, no model: where a drain on a shared machine cannot resolve a few
 * percent, this can. The receiver's parsing counts in the CPU too, so the figure is an upper bound.
 *
 * Run: node bench/tracing-cost.ts [--ratio 0.01] [--events 400000] [--batch 256]
 */
import { parseArgs } from 'node:util';
import { startOtlpReceiver } from '../devtools/otlp-receiver.ts';
import type { ConsumedRecord } from '../src/kafka/client.ts';
import { NO_HEADERS } from '../src/kafka/client.ts';
import { startTracing } from '../src/observability/tracing/start.ts';

const { values } = parseArgs({ options: { ratio: { type: 'string' }, events: { type: 'string' }, batch: { type: 'string' } } });
const RATIO = Number(values.ratio ?? '0.01');
const EVENTS = Number(values.events ?? '400000');
const BATCH = Number(values.batch ?? '256');
/** Events traced before measuring: the SDK's code is warm and its first exports are done. */
const WARMUP = 100_000;

const record: ConsumedRecord = { offset: 0, key: null, value: Buffer.from('{}'), timestamp: 0, headers: NO_HEADERS };

async function drive(samplingRatio: number): Promise<{ usPerEvent: number; spans: number }> {
  const receiver = await startOtlpReceiver({ keep: false });
  const tracing = startTracing({ enabled: true, otlpEndpoint: receiver.url, samplingRatio, serviceName: 'tracing-cost' }, 'bench');
  const pass = async (events: number) => {
    for (let i = 0; i < events; i += BATCH) {
      const items = Array.from({ length: BATCH }, () => ({ trace: tracing.tracer.admit(record, 'in', 0) }));
      const batch = tracing.tracer.batch('fraud:1', items);
      batch?.scored([{ reply: { startedAt: performance.timeOrigin + performance.now(), decodeMs: 0.1, inferMs: 0.5, encodeMs: 0.1 } }]);
      tracing.tracer.acknowledged(items.map((source) => ({ source, kind: 'prediction', tag: 'fraud:1' })));
      // The event loop turns, as between a scorer's batches, so the exporter's sends go out.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await pass(WARMUP);
  const before = receiver.count;
  const cpu = process.cpuUsage();
  await pass(EVENTS);
  await tracing.shutdown(10_000);
  const used = process.cpuUsage(cpu);
  const spans = receiver.count - before;
  await receiver.close();
  return { usPerEvent: (used.user + used.system) / EVENTS, spans };
}

const base = await drive(0);
const traced = await drive(RATIO);
process.stdout.write(
  `${EVENTS.toLocaleString('en-US')} events in batches of ${BATCH}: ${base.usPerEvent.toFixed(2)} µs/event at ratio 0, ` +
    `${traced.usPerEvent.toFixed(2)} µs/event at ratio ${RATIO} (${traced.spans.toLocaleString('en-US')} spans exported): ` +
    `tracing costs ${(traced.usPerEvent - base.usPerEvent).toFixed(2)} µs/event\n`,
);
