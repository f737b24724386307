/** Renders an enrichment key template (config/key-template.ts) for one event: the Redis key it looks up. */
import { readPath } from '../../codecs/feature-fields.ts';
import type { KeyTemplate } from '../../config/key-template.ts';
import type { HookEvent } from '../hook-api.ts';

/** The key, or the field the event lacks (absent, null, or not a string, number or boolean). */
export type RenderedKey = { readonly key: string } | { readonly missing: string };

export function renderKey(template: KeyTemplate, event: HookEvent): RenderedKey {
  let key = template.literals[0] as string;
  for (let i = 0; i < template.paths.length; i++) {
    const value = readPath(event, template.paths[i] as readonly string[]);
    const kind = typeof value;
    if (kind !== 'string' && kind !== 'number' && kind !== 'bigint' && kind !== 'boolean') return { missing: template.fields[i] as string };
    key += String(value) + (template.literals[i + 1] as string);
  }
  return { key };
}
