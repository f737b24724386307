/** The effective configuration as YAML, for `stream-scorer check` and the startup log. */
import { stringify } from 'yaml';
import type { ScorerConfig } from './types.ts';

export const REDACTED = '***';

/** The configuration with secrets replaced by `***`, as a plain (unfrozen) object. */
export function redactConfig(config: ScorerConfig): ScorerConfig {
  const { schemaRegistry } = config;
  if (schemaRegistry?.password === undefined) return config;
  return { ...config, schemaRegistry: { ...schemaRegistry, password: REDACTED } };
}

/** YAML text of the effective configuration, secrets redacted. */
export function renderConfig(config: ScorerConfig): string {
  return stringify(redactConfig(config), { lineWidth: 0 });
}
