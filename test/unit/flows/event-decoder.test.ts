import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventDecoder, MAX_READERS } from '../../../src/flows/event-decoder.ts';
import { EVENT_SCHEMA, flowRequest } from './support.ts';

function decodeRow(decoder: EventDecoder, request: ReturnType<typeof flowRequest>, row: number, schemas = request.writerSchemas) {
  const start = row === 0 ? 0 : (request.valueEnds[row - 1] as number);
  return decoder.decode(request.values, start, request.valueEnds[row] as number, request.schemaIds[row] as number, schemas);
}

test('Avro and JSON values become event objects; a reader per schema id is built once', () => {
  const decoder = new EventDecoder();
  const request = flowRequest([
    { value: { x: 1.5, country: 'DE' }, avro: 4 },
    { value: { x: 2, nested: { a: 1 } } },
    { value: { x: 3, country: 'FR' }, avro: 4 },
  ]);
  assert.deepEqual({ ...decodeRow(decoder, request, 0) }, { x: 1.5, country: 'DE' });
  assert.deepEqual(decodeRow(decoder, request, 1), { x: 2, nested: { a: 1 } });
  assert.equal(decodeRow(decoder, request, 2)['country'], 'FR');
  assert.equal(decoder.size, 1);
});

test("bad values fail with the plain codecs' reasons; a schema missing from the request is a bug, not a record error", () => {
  const decoder = new EventDecoder();
  const request = flowRequest([{ value: Buffer.from('"text"') }, { value: { x: 1 }, avro: 4 }]);
  assert.throws(() => decodeRow(decoder, request, 0), { name: 'RecordError', reason: 'JSON_DECODE' });
  assert.throws(
    () => decodeRow(decoder, request, 1, {}),
    (error: Error) => error.name === 'Error' && /no text for writer schema 4/.test(error.message),
  );
});

test('the readers are bounded: past the limit the oldest goes', () => {
  const decoder = new EventDecoder();
  const request = flowRequest([{ value: { x: 1 }, avro: 1 }]);
  // The reader decodes past the header, which the main thread has read: the same bytes serve every id.
  for (let id = 1; id <= MAX_READERS + 5; id++) {
    const view = { ...request, schemaIds: Int32Array.of(id) };
    decodeRow(decoder, view, 0, { [id]: EVENT_SCHEMA });
  }
  assert.equal(decoder.size, MAX_READERS);
});
