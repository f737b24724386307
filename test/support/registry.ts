/**
 * A fresh schema registry test double on a random port, with a client pointed at it.
 */

import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { startRegistryDouble } from '../../devtools/schema-registry-double.ts';

/**
 * No client-side retries: tests that take the registry down must fail at once, not after seconds of
 * backoff. (The client merges `retry` into a module-level default object, so this also applies to
 * clients created later in the same process: kafkajs/confluent-schema-registry dist/api/index.js.)
 */
const NO_RETRIES = { retries: 0 };

export interface TestRegistry {
  readonly url: string;
  readonly registry: SchemaRegistry;
  close(): Promise<void>;
}

export function registryClient(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url, retry: NO_RETRIES });
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const double = await startRegistryDouble({ port: 0 });
  return { url: double.url, registry: registryClient(double.url), close: () => double.close() };
}
