/**
 * The Kafka ceiling: the scorer's Kafka path and per-event work minus the model. Built on the product's
 * Kafka interface (createKafkaClient with the scorer's configuration, kafka.client from --client), so it
 * measures the same adapter code the scorer runs: consumer().start with a batch() handler that decodes
 * every record into the model's feature columns and encodes a score-0 prediction per record with the
 * scorer's codecs (unscored-batches.ts), sends them through producer().send (acks=all, idempotent), then
 * commits the batch's next offset under the batch's epoch and takes the whole batch. No model, no
 * worker pool, no intake budgets or ordered sender.
 *
 *   node bench/subjects/passthrough.ts --client kafkajs|platformatic --brokers ... --registry ... \
 *     --input ... --output ... --group ... --model fraud
 */
import { systemScheduler } from '../../src/core/clock.ts';
import type { ConsumedRecord, FetchedBatch, KafkaLog } from '../../src/kafka/client.ts';
import { createKafkaClient } from '../../src/kafka/create.ts';
import { startCodecs } from '../../src/registry.ts';
import { announceReady, exitOnFailure, exitOnSignal, log, logError, setUp } from './common.ts';
import { unscoredBatches } from './unscored-batches.ts';

/** After a failed send, wait this long before the batch is fetched again (the interface refetches what was not taken). */
const RETRY_PAUSE_MS = 200;

const ctx = await setUp('passthrough');
const name = `passthrough-${ctx.config.kafka.client}`;

/** The client's own lines at warn and above, as the scorer logs them at the suite's level (warn). */
const kafkaLog: KafkaLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => log('warn', obj, msg),
  error: (obj, msg) => log('error', obj, msg),
};

// The scorer's own start-up of the codecs: the writer schemas' cache and the output schema registered.
const codecs = await startCodecs(ctx.config, { log: kafkaLog, scheduler: systemScheduler, waiting: () => undefined, cancelled: () => false }).catch(
  (error: unknown) => exitOnFailure(name, error),
);
const predictions = unscoredBatches({
  model: ctx.model,
  limits: ctx.config.limits,
  format: codecs.formatFor('avro'),
  output: codecs.output,
  outputTopic: ctx.args.outputTopic,
});
const client = createKafkaClient(ctx.config.kafka, kafkaLog);
const consumer = client.consumer();
const producer = client.producer();
/** Batches being handled; stop waits for them, so what was sent is committed before the group is left. */
const inFlight = new Set<Promise<number>>();
let stopping = false;

async function handle(batch: FetchedBatch): Promise<number> {
  const records = await predictions(batch);
  try {
    await producer.send(records);
  } catch (error) {
    // Nothing taken: the interface fetches the batch again, as the scorer's ordered sender retries.
    logError(`${name}: send failed; the batch is fetched again`, error);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    return 0;
  }
  const last = batch.records[batch.records.length - 1] as ConsumedRecord;
  try {
    await consumer.commit([{ topic: batch.topic, partition: batch.partition, epoch: batch.epoch, offset: last.offset + 1 }]);
  } catch (error) {
    // Sent is sent: the next batch's commit covers these offsets too.
    logError(`${name}: commit failed; the next batch's commit covers it`, error);
  }
  return batch.records.length;
}

exitOnSignal(name, async () => {
  stopping = true;
  await Promise.allSettled(inFlight);
  await consumer.stop();
  await producer.close();
});

try {
  await consumer.start([ctx.args.inputTopic], {
    assigned: () => announceReady(),
    revoked: () => undefined,
    lost: () => undefined,
    batch: (batch) => {
      if (stopping) return Promise.resolve(0);
      const handled = handle(batch).catch((error: unknown) => exitOnFailure(name, error));
      inFlight.add(handled);
      void handled.finally(() => inFlight.delete(handled));
      return handled;
    },
    error: (error, fatal) => {
      if (fatal) exitOnFailure(name, error);
      logError(`${name}: Kafka client error; the client retries`, error);
    },
  });
} catch (error) {
  exitOnFailure(name, error);
}
