/**
 * The Kafka ceiling on @platformatic/kafka: the same pipe as passthrough-kafkajs.ts (decode every record,
 * encode a prediction with score 0, produce, commit; no model), to show what the client itself costs.
 * Its consumer is a Readable stream of single messages; this drains whatever the stream has buffered,
 * sends it as one produce call (acks -1), then commits the last offset of each partition in it and waits
 * for the commit, as the kafkajs pipe commits after each batch. Client settings follow the scorer's.
 *
 *   node bench/subjects/passthrough-platformatic.ts --brokers ... --registry ... --input ... --output ... --group ... --model fraud
 */
import { Consumer, compatibilityPartitioner, type Message, type MessagesStream, type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { announceReady, exitOnFailure, exitOnSignal, prediction, setUp } from './common.ts';

const NAME = 'passthrough-platformatic';
/** Bounds one produce call; the stream buffers up to its highWaterMark (1024) plus the rest of a fetch. */
const MAX_BATCH = 10_000;

const ctx = await setUp(NAME);
const { kafka } = ctx.config;
const base = {
  clientId: kafka.clientId,
  bootstrapBrokers: [...kafka.brokers],
  connectTimeout: kafka.connectionTimeoutMs,
  requestTimeout: kafka.requestTimeoutMs,
};
const consumer = new Consumer({
  ...base,
  groupId: kafka.groupId,
  sessionTimeout: kafka.consumer.sessionTimeoutMs,
  rebalanceTimeout: kafka.consumer.rebalanceTimeoutMs,
  heartbeatInterval: kafka.consumer.heartbeatIntervalMs,
  maxBytesPerPartition: kafka.consumer.maxBytesPerPartition,
  maxBytes: kafka.consumer.maxBytes,
  maxWaitTime: kafka.consumer.maxWaitTimeMs,
  autocommit: false,
});
// The same key hashing as kafkajs and the Java client, so predictions land where the scorer's would.
const producer = new Producer({ ...base, acks: ProduceAcks.ALL, partitioner: compatibilityPartitioner });
consumer.on('consumer:group:join', announceReady);

let stopping = false;
let wake: () => void = () => undefined;

/**
 * Resolves on the next 'readable' or stop. The listener stays attached for the stream's life: removing
 * the last one sets readableFlowing back to null, and this stream stops fetching while it is null.
 */
function readableOrStop(): Promise<void> {
  return new Promise((resolve) => (wake = resolve));
}

async function pump(stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  stream.on('readable', () => wake());
  while (!stopping) {
    const batch: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
    while (batch.length < MAX_BATCH) {
      const m = stream.read() as Message<Buffer, Buffer, Buffer, Buffer> | null;
      if (m === null) break;
      batch.push(m);
    }
    if (batch.length === 0) await readableOrStop();
    else await processBatch(batch);
  }
}

async function processBatch(batch: readonly Message<Buffer, Buffer, Buffer, Buffer>[]): Promise<void> {
  const messages: MessageToProduce<Buffer, Buffer, Buffer, Buffer>[] = [];
  const lastOfPartition = new Map<string, Message<Buffer, Buffer, Buffer, Buffer>>();
  for (const record of batch) {
    const event = ctx.decode(record.value);
    if (event instanceof Promise) await event;
    const value = prediction(ctx, record.topic, record.partition, Number(record.offset), Number(record.timestamp), 0, null);
    messages.push({ topic: ctx.args.outputTopic, key: record.key, value: ctx.encoder.encode(value) });
    lastOfPartition.set(`${record.topic}:${record.partition}`, record);
  }
  await producer.send({ messages });
  // message.commit() commits offset + 1; the stream coalesces commits per partition.
  await Promise.all([...lastOfPartition.values()].map((record) => record.commit()));
}

let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
let pumping: Promise<void> = Promise.resolve();

exitOnSignal(NAME, async () => {
  stopping = true;
  wake();
  await pumping;
  await stream?.close();
  await consumer.close();
  await producer.close();
});

try {
  stream = await consumer.consume({
    topics: [ctx.args.inputTopic],
    // A new group (no committed offset) starts at the earliest offset, as the scorer's fromBeginning.
    mode: 'committed',
    fallbackMode: kafka.consumer.fromBeginning ? 'earliest' : 'latest',
  });
  stream.on('error', (error) => exitOnFailure(NAME, error));
  pumping = pump(stream).catch((error: unknown) => exitOnFailure(NAME, error));
} catch (error) {
  exitOnFailure(NAME, error);
}
