/**
 * Whether a hook module can be called: the file exists, imports, and exports a function by the name the
 * hook names. Run on the main thread at start-up, so a typo in a path or an export stops the service
 * with the setting's name instead of failing every batch in the workers. Importing runs the module's
 * top-level code once here; the workers import it again for themselves.
 */
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { HookRef } from './plan.ts';

/** What is wrong with `hook` (a sentence for after its file's name); undefined when it is callable. */
export async function hookProblem(hook: HookRef): Promise<string | undefined> {
  const found = await stat(hook.file).catch((err: NodeJS.ErrnoException) => err);
  if (found instanceof Error) return `cannot be read (${found.code ?? found.message})`;
  if (!found.isFile()) return 'is not a file';
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(hook.file).href)) as Record<string, unknown>;
  } catch (err) {
    return `cannot be imported (${err instanceof Error ? err.message : String(err)})`;
  }
  if (typeof module[hook.export] === 'function') return undefined;
  const functions = Object.keys(module).filter((key) => typeof module[key] === 'function');
  return `does not export a function "${hook.export}" (${functions.length === 0 ? 'it exports no function' : `its functions: ${functions.join(', ')}`})`;
}
