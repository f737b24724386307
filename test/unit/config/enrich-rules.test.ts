/** A flow's enrich setting: its defaults, and each rule's message, naming the setting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import type { Violation } from '../../../src/config/violations.ts';
import { violationAt, violationsOf } from './support.ts';

const lookup = (fields: Record<string, unknown>[], key = 'customer:{account_id}') => ({ key, as: 'hash', fields });

const withEnrich = (enrich: Record<string, unknown>) => ({
  models: { serve: [{ name: 'fraud', version: 1 }] },
  output: { topic: 'predictions', format: 'json' },
  flows: [
    { name: 'fraud', inputs: [{ topic: 'payments', format: 'json' }], models: ['fraud@1'], enrich: { redis: { url: 'redis://127.0.0.1:6379' }, ...enrich } },
  ],
});

const reject = (enrich: Record<string, unknown>): Violation[] => violationsOf(() => loadConfig({ overrides: withEnrich(enrich) }));

test('enrich fills its defaults: wait, 200 ms, 3 retries, a 30 s cache of 100,000 keys, number fields', () => {
  const config = loadConfig({ overrides: withEnrich({ lookups: [lookup([{ name: 'ltv', from: 'ltv' }])] }) });
  const enrich = config.flows[0]?.enrich;
  assert.deepEqual(
    {
      onUnavailable: enrich?.onUnavailable,
      timeoutMs: enrich?.timeoutMs,
      retries: enrich?.retries,
      cache: enrich?.cache,
      type: enrich?.lookups[0]?.fields[0]?.type,
    },
    { onUnavailable: 'wait', timeoutMs: 200, retries: 3, cache: { ttlMs: 30_000, negativeTtlMs: 1000, maxEntries: 100_000 }, type: 'number' },
  );
});

test('a key template that does not parse is named with what is wrong', () => {
  const violations = reject({ lookups: [lookup([{ name: 'ltv', from: 'ltv' }], 'customer:{account_id')] });
  assert.match(violationAt(violations, 'flows[0].enrich.lookups[0].key'), /unclosed "\{"/);
  const constant = reject({ lookups: [lookup([{ name: 'ltv', from: 'ltv' }], 'customer:all')] });
  assert.match(violationAt(constant, 'flows[0].enrich.lookups[0].key'), /names no event field/);
});

test('a default must be of its field type, and the URL a redis URL', () => {
  const violations = reject({ redis: { url: 'http://x' }, lookups: [lookup([{ name: 'ltv', from: 'ltv', default: 'zero' }])] });
  assert.match(
    violationAt(violations, 'flows[0].enrich.lookups[0].fields[0].default'),
    /must be a number, as flows\[0\]\.enrich\.lookups\[0\]\.fields\[0\]\.type says/,
  );
  assert.match(violationAt(violations, 'flows[0].enrich.redis.url'), /must be a redis:\/\/ or rediss:\/\/ URL/);
  const text = loadConfig({ overrides: withEnrich({ lookups: [lookup([{ name: 'tier', from: 'tier', type: 'string', default: 'none' }])] }) });
  assert.equal(text.flows[0]?.enrich?.lookups[0]?.fields[0]?.default, 'none');
});

test('onUnavailable defaults needs a default on every field; two lookups may not set one field', () => {
  const violations = reject({
    onUnavailable: 'defaults',
    lookups: [
      lookup([{ name: 'ltv', from: 'ltv', default: 0 }]),
      lookup(
        [
          { name: 'ltv', from: 'x' },
          { name: 'age', from: 'age' },
        ],
        'account:{account_id}',
      ),
    ],
  });
  assert.deepEqual(violations.map((v) => v.path).sort(), [
    'flows[0].enrich.lookups[1].fields[0].default',
    'flows[0].enrich.lookups[1].fields[0].name',
    'flows[0].enrich.lookups[1].fields[1].default',
  ]);
  assert.match(violationAt(violations, 'flows[0].enrich.lookups[1].fields[1].default'), /is required when flows\[0\]\.enrich\.onUnavailable is "defaults"/);
  assert.match(violationAt(violations, 'flows[0].enrich.lookups[1].fields[0].name'), /is set by flows\[0\]\.enrich\.lookups\[0\]\.fields\[0\]\.name too/);
});
