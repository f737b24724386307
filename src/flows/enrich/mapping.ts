/**
 * A lookup's stored value mapped onto an event's feature fields, with the rules event fields follow:
 * a missing value (no key, no field, null) takes the field's default, else the record fails with
 * MISSING_FEATURE; a value of the wrong kind fails it with FEATURE_TYPE. Messages name the Redis key
 * and field, so a dead letter says which store entry to fix.
 */
import { readPath } from '../../codecs/feature-fields.ts';
import type { DlqReason } from '../../errors.ts';
import type { EnrichFieldPlan } from '../plan.ts';
import type { Stored } from './stored.ts';

export interface CompiledField {
  readonly plan: EnrichFieldPlan;
  /** `from` split for a JSON lookup. */
  readonly path: readonly string[];
  /** The default (of the field's type: the configuration rules say so); undefined: none. */
  readonly fill: string | number | undefined;
}

export interface FieldProblem {
  readonly reason: DlqReason;
  readonly message: string;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The value as the field's type; undefined when it is not one. */
function asFieldType(type: EnrichFieldPlan['type'], value: unknown): string | number | undefined {
  if (type === 'string') return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' && NUMBER.test(value) ? Number(value) : undefined;
}

export function compileField(plan: EnrichFieldPlan): CompiledField {
  return { plan, path: plan.from.split('.'), fill: plan.default };
}

function raw(stored: Stored, field: CompiledField, index: number): unknown {
  if (stored.kind === 'hash') return stored.values[index];
  if (stored.kind === 'json') return readPath(stored.value, field.path);
  return undefined;
}

/**
 * Sets each field's value (or default) on `event`; returns the first problem, after which the event is
 * left part-set (its record goes to the DLQ, which keeps the original bytes, not the event).
 */
export function mapStored(key: string, stored: Stored, fields: readonly CompiledField[], event: Record<string, unknown>): FieldProblem | undefined {
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as CompiledField;
    const value = raw(stored, field, i);
    const { name, from, type } = field.plan;
    if (value === undefined || value === null) {
      if (field.fill === undefined) {
        const why = stored.kind === 'problem' ? `: the key ${stored.problem}` : '';
        return { reason: 'MISSING_FEATURE', message: `redis key "${key}" has no field "${from}" for ${name}${why}, and ${name} has no default` };
      }
      event[name] = field.fill;
      continue;
    }
    const typed = asFieldType(type, value);
    if (typed === undefined)
      return { reason: 'FEATURE_TYPE', message: `redis key "${key}" field "${from}" holds ${JSON.stringify(value)}, not a ${type} (for ${name})` };
    event[name] = typed;
  }
  return undefined;
}

/** Every field's default on `event` (Redis unavailable, onUnavailable: defaults); false when one has none. */
export function fillDefaults(fields: readonly CompiledField[], event: Record<string, unknown>): boolean {
  for (const field of fields) {
    if (field.fill === undefined) return false;
    event[field.plan.name] = field.fill;
  }
  return true;
}
