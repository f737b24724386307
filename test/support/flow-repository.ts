/**
 * A model repository for flow tests: the real fraud and heavy models, linked, beside the test-only
 * heuristic models `flaky`, `slow` and `broken` (test/fixtures/models). Removed when the test ends.
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './scorer-process.ts';

export const FLOW_HOOKS = join(REPO_ROOT, 'test', 'fixtures', 'flows', 'hooks.ts');

export async function flowRepository(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flow-models-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await symlink(join(REPO_ROOT, 'models', 'fraud'), join(dir, 'fraud'));
  await symlink(join(REPO_ROOT, 'models', 'heavy'), join(dir, 'heavy'));
  for (const name of ['flaky', 'slow', 'broken']) await symlink(join(REPO_ROOT, 'test', 'fixtures', 'models', name), join(dir, name));
  return dir;
}
