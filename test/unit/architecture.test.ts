/**
 * The layering the design promises, checked on the imports themselves: only the client adapters import
 * a Kafka client, only the worker imports onnxruntime-node, only observability/ imports pino and
 * prom-client, and the stages depend one way (intake -> models -> delivery -> core). Tools outside src/
 * use the Kafka interface or their own client code, never an adapter's insides.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../support/scorer-process.ts';

function files(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(REPO_ROOT, path)).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports: packages by name, local files as repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
    (m) => m[1] ?? m[2] ?? '',
  );
  return specifiers.map((s) => (s.startsWith('.') ? normalize(join(dirname(file), s)) : s));
}

const ALL = [...files('src'), ...files('loadgen'), ...files('bench'), ...files('devtools')];

function violations(rule: (file: string, imported: string) => string | undefined): string[] {
  return ALL.flatMap((file) => importsOf(file).flatMap((imported) => rule(file, imported) ?? []));
}

const under = (file: string, dir: string) => !relative(dir, file).startsWith('..');

test('only the adapters import a Kafka client library', () => {
  assert.deepEqual(
    violations((file, imported) => {
      if (!under(file, 'src')) return undefined;
      if (imported === 'kafkajs' && !under(file, 'src/kafka/kafkajs')) return `${file} imports kafkajs`;
      if (imported.startsWith('@platformatic/kafka') && !under(file, 'src/kafka/platformatic')) return `${file} imports @platformatic/kafka`;
      return undefined;
    }),
    [],
  );
});

test('tools outside src use the Kafka interface, never an adapter', () => {
  assert.deepEqual(
    violations((file, imported) =>
      !under(file, 'src') && (under(imported, 'src/kafka/kafkajs') || under(imported, 'src/kafka/platformatic')) ? `${file} imports ${imported}` : undefined,
    ),
    [],
  );
});

test('only the inference worker imports onnxruntime-node; only observability imports pino and prom-client', () => {
  const worker = new Set(['src/inference/worker.ts', 'src/inference/session.ts']);
  assert.deepEqual(
    violations((file, imported) => {
      if (!under(file, 'src')) return undefined;
      if (imported === 'onnxruntime-node' && !worker.has(file)) return `${file} imports onnxruntime-node`;
      if ((imported === 'pino' || imported === 'prom-client') && !under(file, 'src/observability')) return `${file} imports ${imported}`;
      return undefined;
    }),
    [],
  );
});

test('the stages depend one way: intake -> models -> delivery -> core, and none of them on the composition', () => {
  const order = ['src/intake', 'src/models', 'src/batching', 'src/delivery', 'src/core'];
  const rank = (path: string) => order.findIndex((dir) => under(path, dir));
  const composition = ['src/service.ts', 'src/stages.ts', 'src/main.ts', 'src/registry.ts'];
  assert.deepEqual(
    violations((file, imported) => {
      const from = rank(file);
      if (from < 0 || !imported.startsWith('src/')) return undefined;
      if (composition.includes(imported) || under(imported, 'src/observability')) return `${file} imports ${imported}`;
      const to = rank(imported);
      return to >= 0 && to < from ? `${file} imports upward: ${imported}` : undefined;
    }),
    [],
  );
});

test('core and the Kafka adapters import no stage', () => {
  const stages = ['src/intake', 'src/models', 'src/batching', 'src/delivery', 'src/inference', 'src/codecs'];
  assert.deepEqual(
    violations((file, imported) =>
      (under(file, 'src/core') || under(file, 'src/kafka')) && stages.some((dir) => under(imported, dir)) ? `${file} imports ${imported}` : undefined,
    ),
    [],
  );
});
