/**
 * Schema registries for tests. `realRegistry()` is Apicurio Registry (scripts/registry/registry.sh),
 * which every suite that needs a working registry uses: npm test starts it and exports
 * SCHEMA_REGISTRY_URL. `startRegistryDouble()` is the in-repo double, for what a real registry cannot do
 * on cue: be down, then up, on a chosen port, or answer slowly or with errors.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { startRegistryDouble as startDouble } from '../../devtools/schema-registry-double.ts';
import { REPO_ROOT } from './scorer-process.ts';

/**
 * No client-side retries: tests that take the registry down must fail at once, not after seconds of
 * backoff. (The client merges `retry` into a module-level default object, so this also applies to
 * clients created later in the same process: kafkajs/confluent-schema-registry dist/api/index.js.)
 */
const NO_RETRIES = { retries: 0 };

export interface TestRegistry {
  readonly url: string;
  readonly registry: SchemaRegistry;
}

export interface RegistryDouble extends TestRegistry {
  close(): Promise<void>;
}

export function registryClient(url: string): SchemaRegistry {
  return new SchemaRegistry({ host: url, retry: NO_RETRIES });
}

/** SCHEMA_REGISTRY_URL, else the URL the registry script serves (its port settings included). */
function realRegistryUrl(): string {
  const fromEnv = process.env['SCHEMA_REGISTRY_URL'];
  if (fromEnv) return fromEnv;
  return execFileSync('bash', [join(REPO_ROOT, 'scripts', 'registry', 'registry.sh'), 'url'], { encoding: 'utf8' }).trim();
}

let checked: Promise<TestRegistry> | undefined;

/**
 * The real registry, checked once per process: a suite without one fails here, naming the URL and how
 * to start it, rather than in the scorer's start-up wait. It keeps state across tests and runs, so
 * subjects must be unique (the scenario topics are).
 */
export function realRegistry(): Promise<TestRegistry> {
  checked ??= (async () => {
    const url = realRegistryUrl();
    try {
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(5000) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`GET /subjects answered HTTP ${response.status}`);
    } catch (error) {
      throw new Error(
        `no schema registry at ${url} (${(error as Error).message}): start one with 'bash scripts/registry/registry.sh start' (npm test does), or set SCHEMA_REGISTRY_URL`,
      );
    }
    return { url, registry: registryClient(url) };
  })();
  return checked;
}

/** A fresh double on a random port (or `port`), with a client pointed at it. */
export async function startRegistryDouble(port = 0): Promise<RegistryDouble> {
  const double = await startDouble({ port });
  return { url: double.url, registry: registryClient(double.url), close: () => double.close() };
}
