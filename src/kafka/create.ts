/** Builds the client `kafka.client` names. The only file that knows both adapters. */
import type { KafkaConfig } from '../config/types.ts';
import type { KafkaClient, KafkaLog } from './client.ts';
import { KafkajsClient } from './kafkajs/client.ts';
import { PlatformaticClient } from './platformatic/client.ts';

export function createKafkaClient(config: KafkaConfig, log: KafkaLog): KafkaClient {
  switch (config.client) {
    case 'kafkajs':
      return new KafkajsClient(config, log);
    case 'platformatic':
      return new PlatformaticClient(config, log);
  }
}
