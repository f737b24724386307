/**
 * The operations endpoints: GET /metrics (Prometheus), /healthz (liveness), /readyz (readiness), and
 * the model lifecycle (GET /models, the admin POSTs: models-routes.ts). A failing probe or scrape
 * answers 503 or 500; it never takes the process down.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScorerMetrics } from './metrics.ts';
import { isModelsPath, type ModelsApi, modelsRoute } from './models-routes.ts';

export interface Readiness {
  ready: boolean;
  /** Why not ready, e.g. "models loading" or "no partitions assigned yet". */
  reason?: string;
  /** Shown either way, e.g. the last failed model reload (ready: the old version serves). */
  detail?: Record<string, unknown>;
}

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port (see the returned `port`). */
  port: number;
  metrics: ScorerMetrics;
  live: () => boolean;
  ready: () => Readiness;
  /** The model lifecycle behind /models; absent: those paths answer 404. */
  models?: ModelsApi;
  /** The admin bearer token; absent: the admin endpoints are disabled. */
  adminToken?: string;
  /** Errors of the listening socket after start (the default ignores them: probes must not crash). */
  onError?: (err: Error) => void;
}

export interface HttpServerHandle {
  /** The port actually bound. */
  readonly port: number;
  close(): Promise<void>;
}

type Reply = { status: number; type: string; body: string; headers?: Record<string, string> };

const json = (status: number, body: unknown): Reply => ({ status, type: 'application/json', body: JSON.stringify(body) });
const text = (status: number, body: string): Reply => ({ status, type: 'text/plain; charset=utf-8', body });

/** A probe that throws counts as failing, with the error as its reason. */
function probe<T>(check: () => T, fallback: (reason: string) => T): T {
  try {
    return check();
  } catch (err) {
    return fallback(err instanceof Error ? err.message : String(err));
  }
}

async function route(path: string, options: HttpServerOptions): Promise<Reply> {
  switch (path) {
    case '/metrics':
      try {
        return { status: 200, type: options.metrics.contentType, body: await options.metrics.metrics() };
      } catch {
        return text(500, 'metrics collection failed\n');
      }
    case '/healthz':
      return probe(options.live, () => false) ? json(200, { status: 'ok' }) : json(503, { status: 'unhealthy' });
    case '/readyz': {
      const { ready, reason, detail } = probe(options.ready, (why): Readiness => ({ ready: false, reason: why }));
      const extra = detail === undefined ? {} : { detail };
      return ready ? json(200, { status: 'ready', ...extra }) : json(503, { status: 'not ready', reason: reason ?? 'unknown', ...extra });
    }
    default:
      return text(404, 'not found\n');
  }
}

async function modelsReply(req: IncomingMessage, options: HttpServerOptions): Promise<Reply> {
  const { status, body, headers } = await modelsRoute(req, new URL(req.url ?? '/', 'http://localhost'), options.models, options.adminToken);
  return { ...json(status, body), ...(headers === undefined ? {} : { headers }) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const reply = isModelsPath(path)
    ? await modelsReply(req, options)
    : req.method === 'GET' || req.method === 'HEAD'
      ? await route(path, options)
      : { ...text(405, 'method not allowed\n'), headers: { allow: 'GET, HEAD' } };
  res.writeHead(reply.status, {
    'content-type': reply.type,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
    ...reply.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : reply.body);
}

export function startHttpServer(options: HttpServerOptions): Promise<HttpServerHandle> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      server.on('error', options.onError ?? (() => {}));
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err === undefined ? done() : fail(err)));
            server.closeAllConnections(); // keep-alive scrapers would otherwise hold close() open
          }),
      });
    });
  });
}
