/**
 * TEST DOUBLE of the Confluent Schema Registry, FOR FAULT INJECTION: what a real registry cannot do on
 * cue (be down, then up on a chosen port; answer slowly or with errors). Besides that only the codecs'
 * unit tests (which must not need a running service) and the benchmark and profiler (which measure the
 * scorer, with a registry per run on a free port) use it. Everything else that needs a working registry
 * (the integration suites, the demo, CI) runs Apicurio Registry: scripts/registry/registry.sh.
 * It is NOT a schema registry: it keeps everything in memory (nothing survives a restart), has no
 * authentication, no modes, no contexts, no deletes, and only an approximation of the compatibility rules
 * (Avro BACKWARD/FORWARD/FULL[_TRANSITIVE] via avsc's schema resolution; JSON and PROTOBUF schemas, and
 * Avro schemas with references, always pass), and it takes a POST without the registry's content type,
 * which Apicurio answers with 415.
 *
 * It answers the part of the REST API that @kafkajs/confluent-schema-registry 4.1.0 calls (its
 * dist/api/index.js): register (GET/PUT /config/{subject}, POST /subjects/{subject}/versions),
 * getSchema (GET /schemas/ids/{id}), getLatestSchemaId and getRegistryId (GET
 * /subjects/{subject}/versions/{latest|n}), getRegistryIdBySchema (POST /subjects/{subject}), plus
 * GET /subjects, GET/PUT /config and POST /compatibility/subjects/{subject}/versions/{version}.
 * Error bodies carry the registry's error codes (40401 subject, 40402 version, 40403 schema not found,
 * 40408 no subject-level config, 409 incompatible, 42201 invalid schema).
 *
 * Run: node devtools/schema-registry-double.ts [--port 8081] [--host 127.0.0.1]; it serves until
 * SIGINT or SIGTERM.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import avsc from 'avsc';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const LEVELS = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

class ApiError extends Error {
  readonly status: number;
  readonly errorCode: number;
  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
  }
}

interface StoredSchema {
  readonly id: number;
  readonly schema: string;
  readonly schemaType: string;
  readonly references: readonly unknown[];
  /** Identity for idempotent registration: type, whitespace-normalised text, references. */
  readonly key: string;
}

interface SchemaBody {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

function parseSchemaBody(body: unknown): Omit<StoredSchema, 'id'> {
  const { schema, schemaType = 'AVRO', references = [] } = (body ?? {}) as SchemaBody;
  if (typeof schema !== 'string' || typeof schemaType !== 'string' || !Array.isArray(references)) {
    throw new ApiError(422, 42201, 'Invalid schema: expected {schema: string, schemaType?, references?}');
  }
  let text = schema;
  if (schemaType === 'AVRO') {
    try {
      const parsed: unknown = JSON.parse(schema);
      if (references.length === 0) avsc.Type.forSchema(parsed as Parameters<typeof avsc.Type.forSchema>[0]);
      text = JSON.stringify(parsed);
    } catch (err) {
      throw new ApiError(422, 42201, `Invalid schema: ${(err as Error).message}`);
    }
  }
  const key = JSON.stringify([schemaType, text, references]);
  return { schema: text, schemaType, references, key };
}

/** True when data written with `writer` can be read with `reader`. */
function canRead(reader: StoredSchema, writer: StoredSchema): boolean {
  if (reader.schemaType !== 'AVRO' || writer.schemaType !== 'AVRO') return true;
  if (reader.references.length > 0 || writer.references.length > 0) return true;
  try {
    const forSchema = (text: string) => avsc.Type.forSchema(JSON.parse(text) as Parameters<typeof avsc.Type.forSchema>[0]);
    forSchema(reader.schema).createResolver(forSchema(writer.schema));
    return true;
  } catch {
    return false;
  }
}

function isCompatible(level: string, candidate: StoredSchema, history: readonly StoredSchema[]): boolean {
  if (level === 'NONE') return true;
  const against = level.endsWith('_TRANSITIVE') ? history : history.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  return against.every((old) => (!backward || canRead(candidate, old)) && (!forward || canRead(old, candidate)));
}

class RegistryState {
  #nextId = 1;
  readonly #byId = new Map<number, StoredSchema>();
  readonly #byKey = new Map<string, StoredSchema>();
  /** Subject → schema ids, version n at index n - 1. */
  readonly #subjects = new Map<string, number[]>();
  readonly #levels = new Map<string, string>();
  globalLevel = 'BACKWARD';

  schemaById(id: number): StoredSchema {
    const found = this.#byId.get(id);
    if (found === undefined) throw new ApiError(404, 40403, `Schema ${id} not found`);
    return found;
  }

  subjects(): string[] {
    return [...this.#subjects.keys()];
  }

  versions(subject: string): number[] {
    const ids = this.#subjects.get(subject);
    if (ids === undefined) throw new ApiError(404, 40401, `Subject '${subject}' not found.`);
    return ids;
  }

  version(subject: string, version: string): { subject: string; version: number; id: number } {
    const ids = this.versions(subject);
    const n = version === 'latest' || version === '-1' ? ids.length : Number(version);
    const id = Number.isInteger(n) ? ids[n - 1] : undefined;
    if (id === undefined) throw new ApiError(404, 40402, `Version ${version} not found.`);
    return { subject, version: n, id };
  }

  level(subject: string, defaultToGlobal: boolean): string {
    const level = this.#levels.get(subject);
    if (level !== undefined) return level;
    if (defaultToGlobal) return this.globalLevel;
    throw new ApiError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
  }

  setLevel(subject: string | undefined, level: unknown): string {
    if (typeof level !== 'string' || !LEVELS.includes(level.toUpperCase())) {
      throw new ApiError(422, 42203, `Invalid compatibility level: ${String(level)}`);
    }
    if (subject === undefined) this.globalLevel = level.toUpperCase();
    else this.#levels.set(subject, level.toUpperCase());
    return level.toUpperCase();
  }

  /** Idempotent: a schema already under the subject keeps its id and version. */
  register(subject: string, body: unknown): { id: number } {
    const candidate = parseSchemaBody(body);
    const ids = this.#subjects.get(subject) ?? [];
    const existing = ids.map((id) => this.schemaById(id));
    const same = existing.find((stored) => stored.key === candidate.key);
    if (same !== undefined) return { id: same.id };
    if (!this.compatible(subject, 'latest', body)) {
      throw new ApiError(409, 409, `Schema being registered is incompatible with an earlier schema for subject "${subject}"`);
    }
    // The same schema under another subject shares its id, as in the real registry.
    const stored = this.#byKey.get(candidate.key) ?? { ...candidate, id: this.#nextId++ };
    this.#byId.set(stored.id, stored);
    this.#byKey.set(stored.key, stored);
    this.#subjects.set(subject, [...ids, stored.id]);
    return { id: stored.id };
  }

  lookUp(subject: string, body: unknown): { subject: string; version: number; id: number; schema: string } {
    const key = parseSchemaBody(body).key;
    const ids = this.versions(subject);
    const index = ids.findIndex((id) => this.schemaById(id).key === key);
    const id = ids[index];
    if (id === undefined) throw new ApiError(404, 40403, 'Schema not found');
    return { subject, version: index + 1, id, schema: this.schemaById(id).schema };
  }

  /** A subject with no versions yet accepts anything. */
  compatible(subject: string, version: string, body: unknown): boolean {
    const candidate = { ...parseSchemaBody(body), id: 0 };
    const ids = this.#subjects.get(subject);
    if (ids === undefined || ids.length === 0) return true;
    const latest = version === 'latest' || version === '-1';
    const against = latest ? ids : [this.version(subject, version).id];
    return isCompatible(
      this.level(subject, true),
      candidate,
      against.map((id) => this.schemaById(id)),
    );
  }
}

function schemaPayload(stored: StoredSchema): Record<string, unknown> {
  return {
    schema: stored.schema,
    ...(stored.schemaType === 'AVRO' ? {} : { schemaType: stored.schemaType }),
    ...(stored.references.length === 0 ? {} : { references: stored.references }),
  };
}

type Handler = (state: RegistryState, params: string[], body: unknown, query: URLSearchParams) => unknown;

const ROUTES: ReadonlyArray<readonly [string, RegExp, Handler]> = [
  ['GET', /^\/$/, () => ({})],
  ['GET', /^\/config$/, (s) => ({ compatibilityLevel: s.globalLevel })],
  ['PUT', /^\/config$/, (s, _p, b) => ({ compatibility: s.setLevel(undefined, (b as SchemaLevelBody)?.compatibility) })],
  [
    'GET',
    /^\/config\/([^/]+)$/,
    (s, [subject], _b, q) => ({
      compatibilityLevel: s.level(subject!, q.get('defaultToGlobal') === 'true'),
    }),
  ],
  [
    'PUT',
    /^\/config\/([^/]+)$/,
    (s, [subject], b) => ({
      compatibility: s.setLevel(subject!, (b as SchemaLevelBody)?.compatibility),
    }),
  ],
  ['GET', /^\/schemas\/types$/, () => ['AVRO', 'JSON', 'PROTOBUF']],
  ['GET', /^\/schemas\/ids\/(\d+)$/, (s, [id]) => schemaPayload(s.schemaById(Number(id)))],
  ['GET', /^\/subjects$/, (s) => s.subjects()],
  ['GET', /^\/subjects\/([^/]+)\/versions$/, (s, [subject]) => s.versions(subject!).map((_, i) => i + 1)],
  [
    'GET',
    /^\/subjects\/([^/]+)\/versions\/([^/]+)$/,
    (s, [subject, version]) => {
      const found = s.version(subject!, version!);
      return { ...found, ...schemaPayload(s.schemaById(found.id)) };
    },
  ],
  ['POST', /^\/subjects\/([^/]+)\/versions$/, (s, [subject], b) => s.register(subject!, b)],
  ['POST', /^\/subjects\/([^/]+)$/, (s, [subject], b) => s.lookUp(subject!, b)],
  [
    'POST',
    /^\/compatibility\/subjects\/([^/]+)\/versions\/([^/]+)$/,
    (s, [subject, version], b) => ({
      is_compatible: s.compatible(subject!, version!, b),
    }),
  ],
];

interface SchemaLevelBody {
  compatibility?: unknown;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ApiError(400, 400, 'Request body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE }).end(JSON.stringify(payload));
}

async function handle(state: RegistryState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
    for (const [method, pattern, handler] of ROUTES) {
      const match = pattern.exec(path);
      if (match === null || method !== req.method) continue;
      const params = match.slice(1).map((part) => decodeURIComponent(part));
      send(res, 200, handler(state, params, await readJson(req), url.searchParams));
      return;
    }
    throw new ApiError(404, 404, `HTTP 404 Not Found: ${req.method} ${path}`);
  } catch (err) {
    const apiError = err instanceof ApiError ? err : new ApiError(500, 50001, (err as Error).message);
    send(res, apiError.status, { error_code: apiError.errorCode, message: apiError.message });
  }
}

export interface RegistryDouble {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a fresh, empty double. Port 0 (the default) picks a free port. */
export async function startRegistryDouble(options: { port?: number; host?: string } = {}): Promise<RegistryDouble> {
  const state = new RegistryState();
  const server = createServer((req, res) => void handle(state, req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    // Idempotent, so a test can stop the registry midway and still close it in t.after().
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Clients keep connections alive; close() alone would wait for them to idle out.
        server.closeAllConnections();
      })),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8081' }, host: { type: 'string' } } });
  const double = await startRegistryDouble({ port: Number(values.port), ...(values.host ? { host: values.host } : {}) });
  console.log(`schema registry test double listening on ${double.url}`);
  const stop = () => void double.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
