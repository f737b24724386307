/** Enrichment key templates: parsed once, rendered per event; an event lacking a field names it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKeyTemplate } from '../../../../src/config/key-template.ts';
import { renderKey } from '../../../../src/flows/enrich/key-template.ts';

test('a template renders each field in place, dotted paths included', () => {
  const template = parseKeyTemplate('c:{account_id}:{device.os}!');
  assert.deepEqual(template.fields, ['account_id', 'device.os']);
  assert.deepEqual(renderKey(template, { account_id: 42, device: { os: 'ios' } }), { key: 'c:42:ios!' });
  assert.deepEqual(renderKey(template, { account_id: 'a-7', device: { os: 'android' } }), { key: 'c:a-7:android!' });
});

test('an absent, null or non-scalar field is missing, named by its path', () => {
  const template = parseKeyTemplate('c:{account_id}:{device.os}');
  assert.deepEqual(renderKey(template, { device: { os: 'ios' } }), { missing: 'account_id' });
  assert.deepEqual(renderKey(template, { account_id: 1, device: null }), { missing: 'device.os' });
  assert.deepEqual(renderKey(template, { account_id: { id: 1 }, device: { os: 'ios' } }), { missing: 'account_id' });
});

test('templates that cannot be a lookup are refused with what is wrong', () => {
  assert.throws(() => parseKeyTemplate('c:{id'), /unclosed "\{" \(at 2\)/);
  assert.throws(() => parseKeyTemplate('c:id}'), /"\}" with no "\{"/);
  assert.throws(() => parseKeyTemplate('c:{}'), /"\{\}", which is not a field/);
  assert.throws(() => parseKeyTemplate('c:{a..b}'), /not a field/);
  assert.throws(() => parseKeyTemplate('constant'), /names no event field/);
});
