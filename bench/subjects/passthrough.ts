/**
 * The Kafka ceiling: the scorer's Kafka path minus the model. Built on the product's Kafka interface
 * (createKafkaClient with the scorer's configuration, kafka.client from --client), so it measures the
 * same adapter code the scorer runs: consumer().start with a batch() handler that decodes every record,
 * encodes a prediction with score 0, sends them through producer().send (acks=all, idempotent), then
 * commits the batch's next offset under the batch's epoch and takes the whole batch. No model, no
 * feature mapping, no intake budgets or ordered sender.
 *
 *   node bench/subjects/passthrough.ts --client kafkajs|platformatic --brokers ... --registry ... \
 *     --input ... --output ... --group ... --model fraud
 */
import { type ConsumedRecord, type FetchedBatch, type KafkaLog, NO_HEADERS, type OutgoingRecord } from '../../src/kafka/client.ts';
import { createKafkaClient } from '../../src/kafka/create.ts';
import { announceReady, exitOnFailure, exitOnSignal, log, logError, prediction, setUp } from './common.ts';

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

const client = createKafkaClient(ctx.config.kafka, kafkaLog);
const consumer = client.consumer();
const producer = client.producer();
const output = ctx.args.outputTopic;
/** Batches being handled; stop waits for them, so what was sent is committed before the group is left. */
const inFlight = new Set<Promise<number>>();
let stopping = false;

/** The predictions of one batch; only the first record of a new schema id awaits (the registry fetch). */
async function predictions(batch: FetchedBatch): Promise<OutgoingRecord[]> {
  const records: OutgoingRecord[] = new Array(batch.records.length);
  for (let i = 0; i < batch.records.length; i++) {
    const record = batch.records[i] as ConsumedRecord;
    const event = ctx.decode(record.value);
    if (event instanceof Promise) await event;
    const value = prediction(ctx, batch.topic, batch.partition, record.offset, record.timestamp, 0, null);
    records[i] = { topic: output, key: record.key, value: ctx.encoder.encode(value), headers: NO_HEADERS };
  }
  return records;
}

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
