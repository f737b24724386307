/**
 * Start-up check of the fields a flow reads by name, before any hook changes the event: its routing
 * field (route.by field), its experiments' key fields and its canary's, and the fields of its enrichment
 * key templates, against the latest Avro schema of each Avro input topic (`<topic>-value`). A field the
 * schema lacks is a configuration error naming the setting, unless the flow has a preprocess hook, which
 * may add it: then it is a warning. Enrichment runs before that hook, so its key fields are always
 * errors; and a field the enrichment sets is not looked for in the schema. A topic whose subject
 * the registry does not know yet, and JSON inputs, cannot be checked; that is said once, at info.
 */
import type { Type } from 'avsc';
import { parseKeyTemplate } from '../config/key-template.ts';
import type { ScorerConfig } from '../config/types.ts';
import type { Log } from '../core/log.ts';
import { ScorerError } from '../errors.ts';

/** The record fields along `path` ("device.os"), through nullable unions; false when one is missing. */
export function hasFieldPath(type: Type, path: string): boolean {
  let current: Type | undefined = type;
  for (const segment of path.split('.')) {
    const record = recordOf(current);
    current = record?.field(segment);
    if (current === undefined) return false;
  }
  return true;
}

interface RecordLike {
  field(name: string): Type | undefined;
}

/** A record type, or the record branch of a union (["null", {record}]). */
function recordOf(type: Type | undefined): RecordLike | undefined {
  if (type === undefined) return undefined;
  const name = type.typeName;
  if (name === 'record' || name === 'error') return { field: (n) => (type as unknown as { field(n: string): { type: Type } | undefined }).field(n)?.type };
  if (name.startsWith('union')) {
    for (const branch of (type as unknown as { types: Type[] }).types) {
      const record = recordOf(branch);
      if (record !== undefined) return record;
    }
  }
  return undefined;
}

type Flow = ScorerConfig['flows'][number];

/** The experiment ids a flow's targets name. */
function experimentsOf(flow: Flow): Set<string> {
  const targets = [...(flow.models ?? []), ...(flow.route?.cases.flatMap((c) => c.models) ?? []), ...(flow.route?.default ?? [])];
  return new Set(targets.filter((t) => t.startsWith('experiment:')).map((t) => t.slice('experiment:'.length)));
}

interface FieldSetting {
  readonly path: string;
  readonly field: string;
  /** Read before the preprocess hook runs, which therefore cannot add it. */
  readonly beforeHooks?: true;
}

/** The event fields the enrichment reads (its key templates') and those it sets. */
function enrichFields(flow: Flow, f: number): { reads: FieldSetting[]; sets: Set<string> } {
  const lookups = flow.enrich?.lookups ?? [];
  const reads = lookups.flatMap((lookup, l) =>
    parseKeyTemplate(lookup.key).fields.map((field): FieldSetting => ({ path: `flows[${f}].enrich.lookups[${l}].key`, field, beforeHooks: true })),
  );
  return { reads, sets: new Set(lookups.flatMap((lookup) => lookup.fields.map((field) => field.name))) };
}

/** Every field a flow reads by name, with the setting that names it. */
function fieldSettings(config: ScorerConfig, flow: Flow, f: number): FieldSetting[] {
  const out: FieldSetting[] = [];
  if (flow.route?.by === 'field' && flow.route.name !== undefined) out.push({ path: `flows[${f}].route.name`, field: flow.route.name });
  if (flow.canary?.key !== undefined) out.push({ path: `flows[${f}].canary.key`, field: flow.canary.key });
  const named = experimentsOf(flow);
  config.experiments.forEach((experiment, e) => {
    if (experiment.key !== undefined && named.has(experiment.id)) out.push({ path: `experiments[${e}].key`, field: experiment.key });
  });
  const enrich = enrichFields(flow, f);
  return [...enrich.reads, ...out.filter((setting) => !enrich.sets.has(setting.field))];
}

export async function checkFlowFields(config: ScorerConfig, latestType: (topic: string) => Promise<Type | undefined>, log: Log): Promise<void> {
  const problems: string[] = [];
  for (const [f, flow] of config.flows.entries()) {
    const settings = fieldSettings(config, flow, f);
    if (settings.length === 0) continue;
    for (const input of flow.inputs) {
      if (input.format !== 'avro') continue;
      const type = await latestType(input.topic);
      if (type === undefined) {
        log.info({ flow: flow.name, topic: input.topic }, 'the registry has no schema for this topic yet: its routing and key fields are not checked');
        continue;
      }
      for (const { path, field, beforeHooks } of settings) {
        if (hasFieldPath(type, field)) continue;
        const message = `${path}: field "${field}" is not in the latest schema of ${input.topic}-value`;
        if (flow.preprocess === undefined || beforeHooks === true) problems.push(message);
        else log.warn({ flow: flow.name, topic: input.topic, setting: path, field }, `${message}; the flow's preprocess hook must add it`);
      }
    }
  }
  if (problems.length > 0)
    throw new ScorerError('SCORER_ERR_CONFIG', `flows read fields their inputs do not have:\n  ${problems.join('\n  ')}`, { details: { problems } });
}
