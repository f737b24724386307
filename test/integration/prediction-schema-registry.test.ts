/**
 * schemas/prediction.avsc version 2 on the real schema registry (Apicurio, with its own compatibility
 * rules rather than the double's approximation): at BACKWARD, the level the scorer's client sets on a
 * subject it creates, version 2 is taken under a subject that holds version 1 (as a scorer upgrade
 * registers it), and a field added without a default is refused.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { AvroEncoder } from '../../src/codecs/avro.ts';
import { uniqueName } from '../support/kafka.ts';
import { realRegistry } from '../support/registry.ts';

const schema = async (path: string) => JSON.parse(await readFile(new URL(path, import.meta.url), 'utf8')) as { fields: object[] };

test('a registry at BACKWARD takes version 2 under a subject that holds version 1, and refuses a new field without a default', async () => {
  const { url, registry } = await realRegistry();
  const subject = `${uniqueName('predictions')}-value`;
  const v1 = await AvroEncoder.create(registry, subject, await schema('../fixtures/prediction-v1.avsc'));
  const level = (await (await fetch(`${url}/config/${subject}`)).json()) as { compatibilityLevel: string };
  assert.equal(level.compatibilityLevel, 'BACKWARD', 'the level the client set on the subject it created');

  const v2Schema = await schema('../../schemas/prediction.avsc');
  const v2 = await AvroEncoder.create(registry, subject, v2Schema);
  assert.notEqual(v2.schemaId, v1.schemaId);
  assert.equal(await registry.getLatestSchemaId(subject), v2.schemaId);

  await assert.rejects(
    AvroEncoder.create(registry, subject, { ...v2Schema, fields: [...v2Schema.fields, { name: 'extra', type: 'string' }] }),
    /409|incompatible/i,
  );
  assert.equal(await registry.getLatestSchemaId(subject), v2.schemaId, 'the refused schema is not the latest');
});
