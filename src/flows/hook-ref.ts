/** A hook as the configuration spells it, "path/to/file.ts#export", made into the HookRef workers import. */
import { resolve } from 'node:path';
import type { HookRef } from './plan.ts';

/**
 * `text` passed the schema's pattern (flow-schema.ts): a path, then optionally `#` and an identifier.
 * The path resolves against `baseDir`; without `#export`, the hook is `defaultExport`.
 */
export function parseHookRef(text: string, defaultExport: string, baseDir: string): HookRef {
  const hash = text.lastIndexOf('#');
  const file = hash < 0 ? text : text.slice(0, hash);
  return { file: resolve(baseDir, file), export: hash < 0 ? defaultExport : text.slice(hash + 1) };
}
