/** GET /models, the admin endpoints behind the bearer token, and /readyz's detail, on a real HTTP server. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { checkBearer, resolveAdminToken } from '../../../src/observability/admin-auth.ts';
import { startHttpServer } from '../../../src/observability/http.ts';
import { ScorerMetrics } from '../../../src/observability/metrics.ts';
import type { ModelsApi, ModelsResult } from '../../../src/observability/models-routes.ts';

const TOKEN = 'a-long-enough-admin-token';

function fakeApi(calls: string[]): ModelsApi {
  return {
    list: () => ({ models: [{ name: 'fraud', version: 2 }] }),
    load: async (name, version): Promise<ModelsResult> => {
      calls.push(`load ${name} ${version}`);
      if (name === 'churn') return { ok: false, problem: 'not-served', reason: 'model churn is not served (models.serve)' };
      if (version === 3) return { ok: false, problem: 'failed', reason: 'golden.json does not match: row 0: ...', model: { name, version: 2 } };
      return { ok: true, result: 'switched', model: { name, version } };
    },
    rollback: async (name): Promise<ModelsResult> => {
      calls.push(`rollback ${name}`);
      return { ok: false, problem: 'no-previous', reason: `model ${name} has no previous version` };
    },
  };
}

async function serve(t: TestContext, adminToken: string | undefined, calls: string[] = []) {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new ScorerMetrics({ version: '0', processMetrics: false }),
    live: () => true,
    ready: () => ({ ready: true, detail: { lastFailedReload: { model: 'fraud', version: 3 } } }),
    models: fakeApi(calls),
    ...(adminToken === undefined ? {} : { adminToken }),
  });
  t.after(() => server.close());
  return async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };
}

const post = (token?: string, body?: string): RequestInit => ({
  method: 'POST',
  headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  ...(body === undefined ? {} : { body }),
});

test('GET /models needs no token; /readyz shows its detail while ready', async (t) => {
  const get = await serve(t, undefined);
  assert.deepEqual((await get('/models')).body, { models: [{ name: 'fraud', version: 2 }] });
  assert.deepEqual((await get('/readyz')).body, { status: 'ready', detail: { lastFailedReload: { model: 'fraud', version: 3 } } });
  assert.equal((await get('/models', { method: 'DELETE' })).status, 405);
});

test('with no token configured the admin endpoints are disabled, saying how to enable them', async (t) => {
  const calls: string[] = [];
  const http = await serve(t, undefined, calls);
  const reply = await http('/models/fraud/load?version=2', post(TOKEN));
  assert.deepEqual(
    [reply.status, reply.body['error']],
    [404, 'the admin API is disabled: set admin.token or admin.tokenFile (SCORER_ADMIN__TOKEN) to enable it'],
  );
  assert.deepEqual(calls, []);
});

test('no bearer token: 401 with a challenge; a wrong one: 403; nothing is loaded', async (t) => {
  const calls: string[] = [];
  const http = await serve(t, TOKEN, calls);
  const missing = await http('/models/fraud/load?version=2', post());
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="stream-scorer"');
  assert.equal((await http('/models/fraud/rollback', post('wrong-token'))).status, 403);
  assert.equal((await http('/models/fraud/load', { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
  assert.deepEqual(calls, []);
});

test('load by query or JSON body, or the highest on disk; the result maps to a status', async (t) => {
  const calls: string[] = [];
  const http = await serve(t, TOKEN, calls);
  assert.deepEqual(await http('/models/fraud/load?version=2', post(TOKEN)).then((r) => [r.status, r.body['result']]), [200, 'switched']);
  assert.equal((await http('/models/fraud/load', post(TOKEN, '{"version": 4}'))).status, 200);
  assert.equal((await http('/models/fraud/load', post(TOKEN))).status, 200);
  const failed = await http('/models/fraud/load?version=3', post(TOKEN));
  assert.deepEqual([failed.status, failed.body['result'], failed.body['error']], [422, 'failed', 'golden.json does not match: row 0: ...']);
  assert.equal((await http('/models/churn/load', post(TOKEN))).status, 404);
  assert.equal((await http('/models/fraud/rollback', post(TOKEN))).status, 409);
  assert.deepEqual(calls, ['load fraud 2', 'load fraud 4', 'load fraud undefined', 'load fraud 3', 'load churn undefined', 'rollback fraud']);
  const bad = await http('/models/fraud/load?version=two', post(TOKEN));
  assert.deepEqual([bad.status, bad.body['error']], [400, 'version must be an integer >= 1 (got "two")']);
  assert.equal((await http('/models/fraud/load', post(TOKEN, 'not json'))).status, 400);
});

test('the bearer check, and the token from a file', async (t) => {
  assert.equal(checkBearer(`Bearer ${TOKEN}`, TOKEN), 'ok');
  assert.equal(checkBearer(`bearer ${TOKEN}  `, TOKEN), 'ok');
  assert.equal(checkBearer(`Bearer ${TOKEN}x`, TOKEN), 'wrong');
  assert.equal(checkBearer(`Basic ${TOKEN}`, TOKEN), 'missing');
  assert.equal(checkBearer(undefined, TOKEN), 'missing');
  const dir = await mkdtemp(join(tmpdir(), 'admin-token-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  assert.equal(resolveAdminToken({ tokenFile: join(dir, 'token') }), TOKEN);
  assert.equal(resolveAdminToken({ token: TOKEN }), TOKEN);
  assert.equal(resolveAdminToken({}), undefined);
  await writeFile(join(dir, 'short'), 'abc\n');
  assert.throws(() => resolveAdminToken({ tokenFile: join(dir, 'short') }), {
    message: `admin.tokenFile: the token in ${join(dir, 'short')} must be at least 16 characters`,
  });
  assert.throws(() => resolveAdminToken({ tokenFile: join(dir, 'none') }), { message: `admin.tokenFile: cannot read ${join(dir, 'none')} (ENOENT)` });
});
