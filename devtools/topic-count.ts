/**
 * Keeps FILE holding how many records TOPIC has (the sum of its partitions' end offsets, for a topic
 * that started empty), rewritten every INTERVAL_MS until killed. scripts/profile.sh counts the
 * pass-through's predictions this way: the pass-through has no /metrics to ask, as the scorer has.
 *
 *   node devtools/topic-count.ts --brokers 127.0.0.1:9092 --topic T --file F
 */
import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

const INTERVAL_MS = 50;

const { values } = parseArgs({ options: { brokers: { type: 'string', default: '127.0.0.1:9092' }, topic: { type: 'string' }, file: { type: 'string' } } });
const { topic, file } = values;
if (topic === undefined || file === undefined) throw new Error('usage: topic-count.ts --brokers LIST --topic T --file F');

const admin = new Kafka({ clientId: 'topic-count', brokers: values.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
await admin.connect();
for (;;) {
  // A failed read (a partition whose leader is still loading) keeps the last count; the next tick retries.
  const count = await admin.fetchTopicOffsets(topic).then(
    (offsets) => offsets.reduce((sum, o) => sum + Number(o.high), 0),
    () => undefined,
  );
  if (count !== undefined) {
    // Written aside and renamed, so a reader never sees a half-written number.
    writeFileSync(`${file}.next`, String(count));
    renameSync(`${file}.next`, file);
  }
  await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
}
