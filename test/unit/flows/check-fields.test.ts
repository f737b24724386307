import assert from 'node:assert/strict';
import { test } from 'node:test';
import avsc from 'avsc';
import { loadConfig } from '../../../src/config/load.ts';
import { checkFlowFields, hasFieldPath } from '../../../src/flows/check-fields.ts';

const PAYMENT = avsc.Type.forSchema({
  type: 'record',
  name: 'Payment',
  fields: [
    { name: 'country', type: ['null', 'string'], default: null },
    { name: 'account_id', type: 'string' },
    { name: 'device', type: ['null', { type: 'record', name: 'Device', fields: [{ name: 'os', type: 'string' }] }], default: null },
  ],
});

test('a dotted path follows record fields through nullable unions', () => {
  assert.equal(hasFieldPath(PAYMENT, 'country'), true);
  assert.equal(hasFieldPath(PAYMENT, 'device.os'), true);
  assert.equal(hasFieldPath(PAYMENT, 'device.model'), false);
  assert.equal(hasFieldPath(PAYMENT, 'countryy'), false);
  assert.equal(hasFieldPath(PAYMENT, 'country.code'), false, 'a string has no fields');
});

function config(route: string, key: string, preprocess?: string, canaryKey?: string) {
  return loadConfig({
    overrides: {
      schemaRegistry: { url: 'http://registry:8081' },
      models: {
        serve: [
          { name: 'fraud', version: 1 },
          { name: 'fraud', version: 2 },
        ],
      },
      output: { topic: 'predictions', format: 'json' },
      flows: [
        {
          name: 'fraud',
          inputs: [{ topic: 'payments', format: 'avro' }],
          ...(preprocess === undefined ? {} : { preprocess }),
          route: { by: 'field', name: route, cases: [{ value: 'DE', models: ['experiment:ab'] }], default: ['fraud@1'] },
          ...(canaryKey === undefined ? {} : { canary: { of: 'fraud@1', candidate: 'fraud@2', percent: 10, key: canaryKey } }),
        },
      ],
      experiments: [
        {
          id: 'ab',
          key,
          variants: [
            { name: 'a', model: 'fraud@1', weight: 1 },
            { name: 'b', model: 'fraud@2', weight: 1 },
          ],
        },
      ],
    },
  });
}

const logs: string[] = [];
const log = { info: (_: object, m: string) => logs.push(`info ${m}`), warn: (_: object, m: string) => logs.push(`warn ${m}`) } as never;

test('a routing field or experiment key the latest input schema lacks is an error naming the setting', async () => {
  await checkFlowFields(config('country', 'account_id'), async () => PAYMENT, log);
  await assert.rejects(
    checkFlowFields(config('countri', 'acount'), async () => PAYMENT, log),
    (error: Error) => {
      assert.match(error.message, /flows\[0\]\.route\.name: field "countri" is not in the latest schema of payments-value/);
      assert.match(error.message, /experiments\[0\]\.key: field "acount" is not in the latest schema of payments-value/);
      return true;
    },
  );
});

test('with a preprocess hook (which may add the field) it is a warning; with no schema registered yet, a note', async () => {
  logs.length = 0;
  await checkFlowFields(config('segment', 'account_id', '/hooks.ts'), async () => PAYMENT, log);
  assert.deepEqual(logs, ['warn flows[0].route.name: field "segment" is not in the latest schema of payments-value; the flow\'s preprocess hook must add it']);
  logs.length = 0;
  await checkFlowFields(config('countri', 'account_id'), async () => undefined, log);
  assert.equal(logs.length, 1);
  assert.match(logs[0] ?? '', /^info the registry has no schema for this topic yet/);
});

test("a canary's key field is checked like an experiment's", async () => {
  await checkFlowFields(config('country', 'account_id', undefined, 'device.os'), async () => PAYMENT, log);
  await assert.rejects(
    checkFlowFields(config('country', 'account_id', undefined, 'user'), async () => PAYMENT, log),
    /flows\[0\]\.canary\.key: field "user" is not/,
  );
});

function enriched(template: string, route: string, preprocess?: string) {
  const base = config(route, 'account_id', preprocess);
  const [flow] = base.flows;
  const enrich = {
    redis: { url: 'redis://r:6379' },
    lookups: [{ key: template, as: 'hash' as const, fields: [{ name: 'segment', from: 'segment', type: 'string' as const }] }],
    cache: { ttlMs: 1, negativeTtlMs: 1, maxEntries: 1 },
    onUnavailable: 'wait' as const,
    timeoutMs: 1,
    retries: 0,
  };
  return { ...base, flows: [{ ...(flow as NonNullable<typeof flow>), enrich }] };
}

test("an enrichment key template's fields are checked, even with a preprocess hook (enrichment runs before it); a field it sets is not looked for", async () => {
  logs.length = 0;
  await checkFlowFields(enriched('customer:{account_id}:{device.os}', 'segment'), async () => PAYMENT, log);
  assert.deepEqual(logs, [], 'route.name "segment" is set by the enrichment: no warning, no error');
  await assert.rejects(
    checkFlowFields(enriched('customer:{acount}', 'country', '/hooks.ts'), async () => PAYMENT, log),
    /flows\[0\]\.enrich\.lookups\[0\]\.key: field "acount" is not in the latest schema of payments-value/,
  );
});
