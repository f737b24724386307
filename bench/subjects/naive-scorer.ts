/**
 * The naive scorer: how most hand-written consumers start. kafkajs eachMessage; per event decode, map
 * features, one session.run on the main thread, encode, and an awaited send; kafkajs's default
 * auto-commit. The output is correct (the model's real score and label), just never batched.
 *
 *   node bench/subjects/naive-scorer.ts --brokers ... --registry ... --input ... --output ... --group ... --model fraud
 */
import { compileFeatureMapper, featureFeeds } from '../../src/codecs/features.ts';
import { avscCodecs, prediction } from './avsc-codecs.ts';
import { exitOnFailure, exitOnSignal, setUp } from './common.ts';
import { connectKafkajs, kafkajsClients } from './kafkajs-clients.ts';
import { openSession, scoreRows, toTensors } from './ort-session.ts';

const NAME = 'naive';

const ctx = await setUp(NAME);
const clients = kafkajsClients(ctx);
const { consumer, producer } = clients;
const output = ctx.args.outputTopic;
const config = ctx.model.config;

exitOnSignal(NAME, async () => {
  await consumer.disconnect();
  await producer.disconnect();
});

try {
  const codecs = await avscCodecs(ctx);
  const session = await openSession(ctx.model);
  const mapper = compileFeatureMapper(config, ctx.config.limits);
  await connectKafkajs(ctx, clients);
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const event = await codecs.decode(message.value);
      const feeds = featureFeeds(mapper, [event]);
      const { scores, labels } = await scoreRows(session, config, toTensors(feeds), 1);
      const value = prediction(ctx, topic, partition, Number(message.offset), Number(message.timestamp), scores[0] ?? NaN, labels?.[0] ?? null);
      await producer.send({ topic: output, acks: -1, messages: [{ key: message.key, value: codecs.encoder.encode(value) }] });
    },
  });
} catch (error) {
  exitOnFailure(NAME, error);
}
