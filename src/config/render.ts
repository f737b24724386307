/** The effective configuration as YAML, for `stream-scorer check` and the startup log. */
import { stringify } from 'yaml';
import { isMapping } from './tree.ts';
import type { ScorerConfig } from './types.ts';

export const REDACTED = '***';

/** Every setting that holds a secret; `check` output ends up in CI logs. */
const SECRETS = ['schemaRegistry.password', 'kafka.sasl.password', 'kafka.tls.keyPassword', 'admin.token'] as const;

/** A URL's password, as in redis://user:password@host, replaced by `***`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, `$1${REDACTED}@`);
}

/** The configuration with secrets replaced by `***`, as a plain (unfrozen) copy. */
export function redactConfig(config: ScorerConfig): ScorerConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const flow of (copy['flows'] as { enrich?: { redis: { url: string } } }[] | undefined) ?? []) {
    if (flow.enrich !== undefined) flow.enrich.redis.url = redactUrl(flow.enrich.redis.url);
  }
  for (const path of SECRETS) {
    const segments = path.split('.');
    const key = segments.pop() as string;
    let holder: unknown = copy;
    for (const segment of segments) holder = isMapping(holder) ? holder[segment] : undefined;
    if (isMapping(holder) && holder[key] !== undefined) holder[key] = REDACTED;
  }
  return copy as unknown as ScorerConfig;
}

/** YAML text of the effective configuration, secrets redacted. */
export function renderConfig(config: ScorerConfig): string {
  return stringify(redactConfig(config), { lineWidth: 0 });
}
