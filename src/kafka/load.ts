/**
 * Loads the adapter `kafka.client` names, and only that one, with its library: the service starts this
 * before loading its models, so that importing the library (a second or more here: @platformatic/kafka
 * compiles its option validators at import) overlaps with the workers loading the models. create.ts is
 * the synchronous way for callers that have the time.
 */
import type { KafkaConfig } from '../config/types.ts';
import type { KafkaClient, KafkaLog } from './client.ts';

export async function loadKafkaClient(config: KafkaConfig, log: KafkaLog): Promise<KafkaClient> {
  switch (config.client) {
    case 'kafkajs': {
      const { KafkajsClient } = await import('./kafkajs/client.ts');
      return new KafkajsClient(config, log);
    }
    case 'platformatic': {
      const { PlatformaticClient } = await import('./platformatic/client.ts');
      return new PlatformaticClient(config, log);
    }
  }
}
