/**
 * Test-only feed building: tensors straight from event fields in config order, defaults for missing or
 * null fields. The service's own mapper lives in src/codecs; these tests must not depend on it.
 */

import type { BatchInput } from '../../../src/inference/pool.ts';
import type { ModelConfig, ModelInputSpec, TensorPayload } from '../../../src/inference/types.ts';

export type TestEvent = Record<string, unknown>;

function fieldValue(event: TestEvent, field: string, fallback: number | string | undefined): number | string {
  let value: unknown = event;
  for (const key of field.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  const chosen = value ?? fallback;
  if (typeof chosen !== 'number' && typeof chosen !== 'string') throw new Error(`event has no value for ${field}`);
  return chosen;
}

function payloadFor(input: ModelInputSpec, events: readonly TestEvent[]): TensorPayload {
  const dims = [events.length, input.fields.length];
  const values = events.flatMap((event) => input.fields.map((f) => fieldValue(event, f.field, f.default)));
  if (input.dtype === 'string') return { dtype: 'string', dims, data: values.map(String) };
  if (input.dtype === 'int64') return { dtype: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
  return { dtype: 'float32', dims, data: Float32Array.from(values, Number) };
}

export function buildBatch(config: ModelConfig, events: readonly TestEvent[]): BatchInput {
  const feeds: Record<string, TensorPayload> = {};
  const transfer: ArrayBuffer[] = [];
  for (const input of config.inputs) {
    const payload = payloadFor(input, events);
    feeds[input.name] = payload;
    if (payload.dtype !== 'string') transfer.push(payload.data.buffer as ArrayBuffer);
  }
  return { feeds, transfer };
}
