import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.ts';
import { REDACTED, renderConfig } from '../../../src/config/render.ts';
import { minimal } from './support.ts';

test('renders the effective configuration as YAML with the password hidden', () => {
  const config = loadConfig({
    overrides: { ...minimal(), schemaRegistry: { url: 'http://r:8081', username: 'u', password: 'hunter2' } },
  });
  const text = renderConfig(config);
  assert.ok(!text.includes('hunter2'));
  const parsed = parse(text);
  assert.deepEqual(parsed, { ...config, schemaRegistry: { url: 'http://r:8081', username: 'u', password: REDACTED } });
  assert.equal(config.schemaRegistry?.password, 'hunter2', 'the loaded configuration is left as it was');
});

test('a configuration without a password renders unchanged', () => {
  const config = loadConfig({ overrides: minimal() });
  assert.deepEqual(parse(renderConfig(config)), config);
});

test('every secret is hidden: the SASL password and the TLS key passphrase too', () => {
  const config = loadConfig({
    overrides: {
      ...minimal(),
      kafka: {
        tls: { keyFile: '/k.pem', certFile: '/c.pem', keyPassword: 'tls-secret' },
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'sasl-secret' },
      },
    },
  });
  const text = renderConfig(config);
  for (const secret of ['tls-secret', 'sasl-secret']) assert.ok(!text.includes(secret), secret);
  const parsed = parse(text);
  assert.equal(parsed.kafka.sasl.password, REDACTED);
  assert.equal(parsed.kafka.tls.keyPassword, REDACTED);
  assert.equal(parsed.kafka.sasl.username, 'u');
});

test('the admin token is hidden too', () => {
  const config = loadConfig({ overrides: { ...minimal(), admin: { token: 'admin-secret-0123456789' } } });
  const text = renderConfig(config);
  assert.ok(!text.includes('admin-secret-0123456789'));
  assert.equal(parse(text).admin.token, REDACTED);
});

test("an enrichment Redis URL's password is hidden, the rest of the URL kept", () => {
  const lookups = [{ key: 'c:{id}', as: 'hash', fields: [{ name: 'x', from: 'x' }] }];
  const flow = (url: string, n: number) => ({
    name: `f${n}`,
    inputs: [{ topic: `t${n}`, format: 'json' }],
    models: ['fraud'],
    enrich: { redis: { url }, lookups },
  });
  const config = loadConfig({
    overrides: { ...minimal(), inputs: [], flows: [flow('redis://scorer:s3cret@redis:6379/2', 0), flow('redis://redis:6379', 1)] },
  });
  const text = renderConfig(config);
  assert.ok(!text.includes('s3cret'));
  const parsed = parse(text);
  assert.equal(parsed.flows[0].enrich.redis.url, `redis://scorer:${REDACTED}@redis:6379/2`);
  assert.equal(parsed.flows[1].enrich.redis.url, 'redis://redis:6379');
});
