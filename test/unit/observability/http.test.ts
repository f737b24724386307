import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { type HttpServerOptions, type Readiness, startHttpServer } from '../../../src/observability/http.ts';
import { ScorerMetrics } from '../../../src/observability/metrics.ts';

class FailingMetrics extends ScorerMetrics {
  override metrics(): Promise<string> {
    return Promise.reject(new Error('collector broke'));
  }
}

async function serve(t: TestContext, overrides: Partial<HttpServerOptions> = {}) {
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new ScorerMetrics({ version: '9.9.9', processMetrics: false }),
    live: () => true,
    ready: () => ({ ready: true }),
    ...overrides,
  });
  t.after(() => server.close());
  assert.ok(server.port > 0);
  return (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${server.port}${path}`, init);
}

test('GET /metrics serves the Prometheus exposition', async (t) => {
  const get = await serve(t);
  const response = await get('/metrics');
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(await response.text(), /^scorer_build_info\{version="9\.9\.9"\} 1$/m);
});

test('/healthz follows the liveness check', async (t) => {
  let live = true;
  const get = await serve(t, { live: () => live });
  const ok = await get('/healthz');
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { status: 'ok' });
  live = false;
  const down = await get('/healthz');
  assert.equal(down.status, 503);
  await down.body?.cancel();
});

test('/readyz reports the reason when not ready, and a throwing check as not ready', async (t) => {
  let readiness: () => Readiness = () => ({ ready: false, reason: 'models loading' });
  const get = await serve(t, { ready: () => readiness() });
  const waiting = await get('/readyz?verbose=1');
  assert.equal(waiting.status, 503);
  assert.deepEqual(await waiting.json(), { status: 'not ready', reason: 'models loading' });
  readiness = () => {
    throw new Error('consumer gone');
  };
  const failing = await get('/readyz');
  assert.equal(failing.status, 503);
  assert.deepEqual(await failing.json(), { status: 'not ready', reason: 'consumer gone' });
  readiness = () => ({ ready: true });
  const ready = await get('/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
});

test('unknown paths are 404 and other methods 405', async (t) => {
  const get = await serve(t);
  const missing = await get('/nope');
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const post = await get('/metrics', { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  await post.body?.cancel();
});

test('a failing scrape answers 500 and the server keeps serving', async (t) => {
  const get = await serve(t, { metrics: new FailingMetrics({ version: 'x', processMetrics: false }) });
  const scrape = await get('/metrics');
  assert.equal(scrape.status, 500);
  await scrape.body?.cancel();
  assert.equal((await get('/healthz')).status, 200);
});

test('a port already in use rejects the start', async (t) => {
  const first = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    metrics: new ScorerMetrics({ version: 'x', processMetrics: false }),
    live: () => true,
    ready: () => ({ ready: true }),
  });
  t.after(() => first.close());
  await assert.rejects(
    startHttpServer({
      host: '127.0.0.1',
      port: first.port,
      metrics: new ScorerMetrics({ version: 'x', processMetrics: false }),
      live: () => true,
      ready: () => ({ ready: true }),
    }),
    { code: 'EADDRINUSE' },
  );
});
