/**
 * The model lifecycle over HTTP, on the operations port: GET /models (what is served; no token, like
 * /metrics: it holds no secret), and the admin endpoints, which need `Authorization: Bearer <token>`:
 *
 *   POST /models/<name>/load?version=N   load, check and switch to version N (absent: the highest on
 *                                        disk); also a JSON body {"version": N}
 *   POST /models/<name>/rollback         serve the previous version again
 *
 * A request answers once the reload is over: 200 switched (or unchanged), 422 failed with the reason
 * (the served version keeps serving), 404 unknown model, 409 nothing to roll back to. No token
 * configured: 404 saying the admin API is disabled and how to enable it; no token sent: 401; a wrong
 * one: 403.
 */
import type { IncomingMessage } from 'node:http';
import { type BearerCheck, checkBearer } from './admin-auth.ts';

export type ModelsResult =
  | { readonly ok: true; readonly result: 'switched' | 'unchanged'; readonly model: unknown }
  | { readonly ok: false; readonly problem: 'not-served' | 'no-previous' | 'failed'; readonly reason: string; readonly model?: unknown };

export interface ModelsApi {
  /** The body of GET /models. */
  list(): unknown;
  load(name: string, version: number | undefined): Promise<ModelsResult>;
  rollback(name: string): Promise<ModelsResult>;
}

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

const ADMIN_PATH = /^\/models\/([^/]+)\/(load|rollback)$/;
const MAX_BODY_BYTES = 4096;
const STATUS: Record<Extract<ModelsResult, { ok: false }>['problem'], number> = { 'not-served': 404, 'no-previous': 409, failed: 422 };

export function isModelsPath(path: string): boolean {
  return path === '/models' || ADMIN_PATH.test(path);
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_BODY_BYTES) throw new RangeError(`the request body is over ${MAX_BODY_BYTES} bytes`);
  }
  return body;
}

/** The version asked for, from ?version=N or a JSON body; undefined: none asked; a string: what is wrong. */
async function requestedVersion(req: IncomingMessage, query: URLSearchParams): Promise<number | undefined | { problem: string }> {
  let raw: unknown = query.get('version') ?? undefined;
  const body = (await readBody(req)).trim();
  if (raw === undefined && body !== '') {
    try {
      raw = (JSON.parse(body) as { version?: unknown }).version;
    } catch {
      return { problem: 'the body must be JSON, e.g. {"version": 2}' };
    }
  }
  if (raw === undefined) return undefined;
  const version = typeof raw === 'string' && /^[1-9][0-9]*$/.test(raw) ? Number(raw) : raw;
  return typeof version === 'number' && Number.isSafeInteger(version) && version >= 1
    ? version
    : { problem: `version must be an integer >= 1 (got ${JSON.stringify(raw)})` };
}

function refused(check: Exclude<BearerCheck, 'ok'>): JsonReply {
  if (check === 'missing') {
    return {
      status: 401,
      body: { error: 'this endpoint needs Authorization: Bearer <admin token>' },
      headers: { 'www-authenticate': 'Bearer realm="stream-scorer"' },
    };
  }
  return { status: 403, body: { error: 'the bearer token is not the admin token' } };
}

function replyOf(result: ModelsResult): JsonReply {
  if (result.ok) return { status: 200, body: { result: result.result, model: result.model } };
  return {
    status: STATUS[result.problem],
    body: { result: result.problem, error: result.reason, ...(result.model === undefined ? {} : { model: result.model }) },
  };
}

export async function modelsRoute(req: IncomingMessage, url: URL, api: ModelsApi | undefined, token: string | undefined): Promise<JsonReply> {
  if (api === undefined) return { status: 404, body: { error: 'model lifecycle is not available' } };
  if (url.pathname === '/models') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, body: { error: 'GET /models' }, headers: { allow: 'GET, HEAD' } };
    return { status: 200, body: api.list() };
  }
  const [, encoded, action] = ADMIN_PATH.exec(url.pathname) as RegExpExecArray;
  if (req.method !== 'POST') return { status: 405, body: { error: `POST ${url.pathname}` }, headers: { allow: 'POST' } };
  if (token === undefined) {
    return { status: 404, body: { error: 'the admin API is disabled: set admin.token or admin.tokenFile (SCORER_ADMIN__TOKEN) to enable it' } };
  }
  const check = checkBearer(req.headers.authorization, token);
  if (check !== 'ok') return refused(check);
  const name = decodeURIComponent(encoded as string);
  if (action === 'rollback') return replyOf(await api.rollback(name));
  const version = await requestedVersion(req, url.searchParams).catch((error: unknown) => ({ problem: String(error) }));
  if (typeof version === 'object') return { status: 400, body: { error: version.problem } };
  return replyOf(await api.load(name, version));
}
