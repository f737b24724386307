import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import avro from 'avsc';
import { parse } from 'yaml';
import type { PaymentEvent } from '../../../loadgen/events.ts';
import { createEventGenerator, loadGolden } from '../../../loadgen/events.ts';
import { isScorerError } from '../../../src/errors.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const schemaJson = JSON.parse(readFileSync(join(root, 'schemas', 'payment-event.avsc'), 'utf8')) as {
  fields: { name: string; type: unknown }[];
};
const schema = avro.Type.forSchema(schemaJson as avro.Schema);
const START = Date.UTC(2025, 2, 3, 9, 0, 0);

function generate(seed: number, count: number, accounts?: number): PaymentEvent[] {
  const generator = createEventGenerator(accounts === undefined ? { seed } : { seed, accounts });
  return Array.from({ length: count }, (_, i) => generator.next(START + i * 997));
}

/** The paths of the fields that make `value` invalid, empty when it is valid. */
function schemaErrors(value: unknown): string[] {
  const errors: string[] = [];
  schema.isValid(value, { errorHook: (path) => errors.push(path.join('.')) });
  return errors;
}

test('the same seed and clock give the same events; another seed gives others', () => {
  assert.deepEqual(generate(42, 500), generate(42, 500));
  assert.notDeepEqual(generate(42, 50), generate(43, 50));
});

test('every generated event is valid against schemas/payment-event.avsc', () => {
  for (const event of generate(7, 5000)) assert.deepEqual(schemaErrors(event), [], JSON.stringify(event));
});

test('events use every schema field, in schema order, with no extras', () => {
  const [event] = generate(1, 1);
  assert.deepEqual(
    Object.keys(event ?? {}),
    schemaJson.fields.map((f) => f.name),
  );
});

test('optional fields are sometimes null, required ones never', () => {
  const events = generate(3, 4000);
  for (const field of schemaJson.fields) {
    const nulls = events.filter((e) => e[field.name as keyof PaymentEvent] === null).length;
    if (Array.isArray(field.type)) assert.ok(nulls > 50 && nulls < 400, `${field.name}: ${nulls} nulls`);
    else assert.equal(nulls, 0, field.name);
  }
});

test('time features follow event_time in UTC and account ids stay within the pool', () => {
  const events = generate(5, 2000, 25);
  for (const e of events) {
    const time = new Date(e.event_time);
    assert.equal(e.hour_of_day, time.getUTCHours());
    assert.equal(e.day_of_week, time.getUTCDay());
  }
  const accounts = new Set(events.map((e) => e.account_id));
  assert.ok(accounts.size <= 25 && accounts.size > 20, `${accounts.size} accounts`);
  assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
});

test('keys: uniform by default, drawing the same accounts as before key distributions existed', () => {
  // Pinned: runs and golden files made with a seed must keep their events.
  const pinned = 'acct-006606 acct-000577 acct-003684 acct-000231 acct-003177 acct-007661 acct-006629 acct-003286';
  assert.equal(
    generate(42, 8)
      .map((e) => e.account_id)
      .join(' '),
    pinned,
  );
  const explicit = createEventGenerator({ seed: 42, keys: { kind: 'uniform' } });
  assert.deepEqual(
    Array.from({ length: 500 }, (_, i) => explicit.next(START + i * 997)),
    generate(42, 500),
  );
});

test('keys: zipf puts the most events on the first account', () => {
  const generator = createEventGenerator({ seed: 8, accounts: 100, keys: { kind: 'zipf', exponent: 1.2 } });
  const perAccount = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const id = generator.next(START + i).account_id;
    perAccount.set(id, (perAccount.get(id) ?? 0) + 1);
  }
  const ranked = [...perAccount.entries()].sort((a, b) => b[1] - a[1]);
  assert.equal(ranked[0]?.[0], 'acct-000000');
  assert.ok((ranked[0]?.[1] ?? 0) > 5000 * 0.15, `hottest account has ${ranked[0]?.[1]} events`);
});

test('the distribution is roughly the training one', () => {
  const events = generate(11, 20000);
  const share = (predicate: (e: PaymentEvent) => boolean): number => events.filter(predicate).length / events.length;
  assert.ok(Math.abs(share((e) => e.channel === 'pos') - 0.2) < 0.02);
  assert.ok(Math.abs(share((e) => e.merchant_category === 'grocery') - 0.22) < 0.02);
  assert.ok(Math.abs(share((e) => e.cvv_match === 1) - 0.97) < 0.01);
  const meanIpRisk = events.reduce((sum, e) => sum + e.ip_risk_score, 0) / events.length;
  assert.ok(Math.abs(meanIpRisk - 1.4 / 10.4) < 0.01, `mean ip_risk_score ${meanIpRisk}`);
  assert.equal(new Set(events.map((e) => e.merchant_category)).size, 12);
});

test('loadGolden reads the fraud and heavy golden files, whose events are valid payment events', () => {
  for (const [model, rows] of [
    ['fraud', 512],
    ['heavy', 128],
  ] as const) {
    const golden = loadGolden(join(root, 'models', model, '1'));
    assert.equal(golden.model, model);
    assert.equal(golden.version, 1);
    assert.equal(golden.tolerance, 1e-5);
    assert.equal(golden.rows.length, rows);
    for (const row of golden.rows) {
      assert.deepEqual(schemaErrors(row.event), []);
      assert.ok(row.score >= 0 && row.score <= 1);
      assert.ok(row.label === '0' || row.label === '1');
    }
  }
  const fraud = loadGolden(join(root, 'models', 'fraud', '1'));
  assert.ok(
    fraud.rows.some((r) => r.event.merchant_risk_score === null),
    'some rows exercise a default',
  );
  assert.ok(
    fraud.rows.some((r) => r.label === '1'),
    'some rows are predicted fraud',
  );
});

test('model config fields exist in the schema, and exactly the nullable ones have defaults', () => {
  const types = new Map(schemaJson.fields.map((f) => [f.name, f.type]));
  for (const model of ['fraud', 'heavy']) {
    const config = parse(readFileSync(join(root, 'models', model, '1', 'config.yaml'), 'utf8')) as {
      inputs: { fields: { field: string; default?: unknown }[] }[];
    };
    for (const spec of config.inputs.flatMap((input) => input.fields)) {
      assert.ok(types.has(spec.field), `${model}: ${spec.field} is not in the schema`);
      assert.equal(Array.isArray(types.get(spec.field)), spec.default !== undefined, `${model}: ${spec.field}`);
    }
  }
});

test('loadGolden rejects a malformed golden file with SCORER_ERR_MODEL_LOAD', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'golden-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const head = '"model":"m","version":1,"tolerance":1e-5';
  const cases = ['not json', `{${head},"rows":[]}`, `{${head},"rows":[{"event":{},"score":"0.1","label":"0"}]}`];
  for (const text of cases) {
    writeFileSync(join(dir, 'golden.json'), text);
    assert.throws(
      () => loadGolden(dir),
      (err) => isScorerError(err, 'SCORER_ERR_MODEL_LOAD'),
      text,
    );
  }
  assert.throws(
    () => loadGolden(join(dir, 'missing')),
    (err) => isScorerError(err, 'SCORER_ERR_MODEL_LOAD'),
  );
});
