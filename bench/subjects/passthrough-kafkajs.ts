/**
 * The Kafka ceiling on kafkajs: consume, decode every record, encode a prediction with score 0, produce,
 * commit. No model, no feature mapping. As fast as a plain kafkajs pipe goes with the scorer's client
 * settings: eachBatch, no await per record, one send (acks -1) per fetched batch, then kafkajs resolves
 * the batch and commits it (autoCommit after each batch).
 *
 *   node bench/subjects/passthrough-kafkajs.ts --brokers ... --registry ... --input ... --output ... --group ... --model fraud
 */
import type { Message } from 'kafkajs';
import { connectKafkajs, exitOnFailure, exitOnSignal, kafkajsClients, prediction, setUp } from './common.ts';

const NAME = 'passthrough-kafkajs';
/**
 * Partitions processed at once, as the scorer's consumer does. 3 and 6 drained a 200,000-event backlog
 * no faster on 2 cores (about 56k events/s each): the producer keeps one request in flight, as the
 * scorer's does, so concurrent batches only queue behind each other's sends.
 */
const PARTITIONS_CONCURRENTLY = 1;

const ctx = await setUp(NAME);
const clients = kafkajsClients(ctx);
const { consumer, producer } = clients;
const output = ctx.args.outputTopic;

exitOnSignal(NAME, async () => {
  // disconnect() stops the consumer first: the batch in hand finishes and its offsets are committed.
  await consumer.disconnect();
  await producer.disconnect();
});

try {
  await connectKafkajs(ctx, clients);
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      const messages: Message[] = [];
      for (const record of batch.messages) {
        const event = ctx.decode(record.value);
        if (event instanceof Promise) await event;
        const value = prediction(ctx, batch.topic, batch.partition, Number(record.offset), Number(record.timestamp), 0, null);
        messages.push({ key: record.key, value: ctx.encoder.encode(value) });
      }
      if (messages.length > 0) await producer.send({ topic: output, acks: -1, messages });
    },
  });
} catch (error) {
  exitOnFailure(NAME, error);
}
