import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { registryClient, startRegistryDouble } from '../../support/registry.ts';

const ORDER_V1 = {
  type: 'record',
  name: 'Order',
  namespace: 'test',
  fields: [{ name: 'amount', type: 'double' }],
};
const ORDER_V2_OPTIONAL_FIELD = {
  ...ORDER_V1,
  fields: [...ORDER_V1.fields, { name: 'currency', type: 'string', default: 'EUR' }],
};
const ORDER_V2_REQUIRED_FIELD = {
  ...ORDER_V1,
  fields: [...ORDER_V1.fields, { name: 'country', type: 'string' }],
};

const avro = (schema: object, indent?: number): { type: SchemaType.AVRO; schema: string } => ({
  type: SchemaType.AVRO,
  schema: JSON.stringify(schema, null, indent),
});

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

test('a registered schema comes back by id, as latest and as version 1', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  const { id } = await registry.register(avro(ORDER_V1), { subject: 'orders-value' });

  const fresh = registryClient(url); // no client-side cache: the schema must come from the double
  const type = (await fresh.getSchema(id)) as unknown as { toBuffer(v: object): Buffer; fromBuffer(b: Buffer): unknown };
  assert.deepEqual({ ...(type.fromBuffer(type.toBuffer({ amount: 2.5 })) as object) }, { amount: 2.5 });
  assert.equal(await fresh.getLatestSchemaId('orders-value'), id);
  assert.equal(await fresh.getRegistryId('orders-value', 1), id);
  assert.deepEqual((await call(url, 'GET', '/subjects')).json, ['orders-value']);
});

test('registration is idempotent and the same schema shares its id across subjects', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  const first = await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  const again = await registryClient(url).register(avro(ORDER_V1, 2), { subject: 'orders-value' });
  const elsewhere = await registry.register(avro(ORDER_V1), { subject: 'refunds-value' });

  assert.equal(again.id, first.id);
  assert.equal(elsewhere.id, first.id);
  assert.deepEqual((await call(url, 'GET', '/subjects/orders-value/versions')).json, [1]);
});

test('a compatible new schema becomes version 2 and the latest', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  const v1 = await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  const v2 = await registry.register(avro(ORDER_V2_OPTIONAL_FIELD), { subject: 'orders-value' });

  assert.notEqual(v2.id, v1.id);
  assert.equal(await registry.getLatestSchemaId('orders-value'), v2.id);
  assert.equal(await registry.getRegistryId('orders-value', 1), v1.id);
  assert.equal((await call(url, 'GET', '/config/orders-value')).json.compatibilityLevel, 'BACKWARD');
});

test('BACKWARD compatibility: a new required field is refused, a defaulted one accepted', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  const check = (schema: object) => call(url, 'POST', '/compatibility/subjects/orders-value/versions/latest', { schema: JSON.stringify(schema) });

  assert.deepEqual((await check(ORDER_V2_OPTIONAL_FIELD)).json, { is_compatible: true });
  assert.deepEqual((await check(ORDER_V2_REQUIRED_FIELD)).json, { is_compatible: false });
  await assert.rejects(registry.register(avro(ORDER_V2_REQUIRED_FIELD), { subject: 'orders-value' }), { status: 409 });
});

test('an unknown schema id is a 404 with error code 40403', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  await assert.rejects(registry.getSchema(42), { status: 404 });
  assert.deepEqual(await call(url, 'GET', '/schemas/ids/42'), {
    status: 404,
    json: { error_code: 40403, message: 'Schema 42 not found' },
  });
});

test('unknown subjects and versions answer 40401 and 40402', async (t) => {
  const { url, registry, close } = await startRegistryDouble();
  t.after(close);
  await assert.rejects(registry.getLatestSchemaId('nope-value'), { status: 404 });
  await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  assert.equal((await call(url, 'GET', '/subjects/nope-value/versions/latest')).json.error_code, 40401);
  assert.equal((await call(url, 'GET', '/subjects/orders-value/versions/7')).json.error_code, 40402);
});

test('looking a schema up under a subject finds its id, or a 404', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  const { id } = await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  assert.equal(await registry.getRegistryIdBySchema('orders-value', avro(ORDER_V1, 4)), id);
  await assert.rejects(registry.getRegistryIdBySchema('orders-value', avro(ORDER_V2_OPTIONAL_FIELD)));
});

test('an invalid Avro schema is refused with 42201', async (t) => {
  const { url, close } = await startRegistryDouble();
  t.after(close);
  const res = await call(url, 'POST', '/subjects/bad-value/versions', { schema: '{"type":"record","name":"X"}' });
  assert.equal(res.status, 422);
  assert.equal(res.json.error_code, 42201);
});

test('close() returns while a client still holds a keep-alive connection, and may be called twice', async (t) => {
  const { registry, close } = await startRegistryDouble();
  t.after(close);
  await registry.register(avro(ORDER_V1), { subject: 'orders-value' });
  await close();
  // mappersmith reports transport failures (here a reset keep-alive socket or ECONNREFUSED) as status 400.
  await assert.rejects(registry.getLatestSchemaId('orders-value'), { status: 400 });
});
