/**
 * Avro in the Confluent wire format, with writer schemas from a schema registry.
 *
 * Decoding is split in two: `decode` is synchronous and needs the writer schema already cached
 * (the hot path, ~0.4 µs a record with avsc), `load` is the asynchronous cold path that fetches a
 * schema id once. `registry.decode` would do both in one call but is async per record, and its
 * readerSchema option re-parses the schema on every call (see notes/libraries.md §2).
 */

import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Type } from 'avsc';
import avsc from 'avsc';
import type { DlqReason } from '../errors.ts';
import { RecordError, ScorerError } from '../errors.ts';
import { AvroReader } from './avro-reader.ts';
import { httpStatusOf, registryFailure } from './registry-errors.ts';
import { HEADER_BYTES, readSchemaId, writeHeader } from './wire-format.ts';

export interface AvroDecoderOptions {
  /** How long a schema id the registry did not know is answered from memory. @defaultValue 60000 */
  readonly rejectedIdTtlMs?: number;
  /** Injected clock for the rejected-id memory. @defaultValue Date.now */
  readonly now?: () => number;
  /** How messages name the registry (e.g. with its URL). @defaultValue 'the schema registry' */
  readonly registryName?: string;
}

interface Rejection {
  readonly reason: DlqReason;
  readonly message: string;
  readonly until: number;
}

/** Bounds the memory of rejected ids: a producer spraying random ids must not grow it forever. */
const MAX_REJECTED_IDS = 10_000;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class AvroDecoder {
  readonly #registry: SchemaRegistry;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #registryName: string;
  /** Schema ids are immutable in a registry, so a cached writer schema never goes stale. */
  readonly #readers = new Map<number, AvroReader>();
  readonly #rejected = new Map<number, Rejection>();
  readonly #loading = new Map<number, Promise<void>>();

  constructor(registry: SchemaRegistry, options: AvroDecoderOptions = {}) {
    this.#registry = registry;
    this.#ttlMs = options.rejectedIdTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#registryName = options.registryName ?? 'the schema registry';
  }

  /** Throws RecordError BAD_MAGIC_BYTE, or AVRO_DECODE when the value is shorter than the header. */
  schemaIdOf(value: Buffer): number {
    return readSchemaId(value);
  }

  isCached(schemaId: number): boolean {
    return this.#readers.has(schemaId);
  }

  /** The reader of a cached writer schema (its text goes to the inference workers). */
  reader(schemaId: number): AvroReader | undefined {
    return this.#readers.get(schemaId);
  }

  /**
   * Fetches and caches the writer schema. Rejects with RecordError UNKNOWN_SCHEMA_ID (404) or AVRO_DECODE
   * (not an Avro schema), both remembered for `rejectedIdTtlMs`; or with ScorerError SCHEMA_REGISTRY when
   * the registry is unreachable or failing (`retryable` true): retry those, never dead-letter for them.
   */
  load(schemaId: number): Promise<void> {
    if (this.#readers.has(schemaId)) return Promise.resolve();
    const rejection = this.#rejectionFor(schemaId);
    if (rejection !== undefined) return Promise.reject(rejection);
    let pending = this.#loading.get(schemaId);
    if (pending === undefined) {
      pending = this.#fetch(schemaId).finally(() => this.#loading.delete(schemaId));
      this.#loading.set(schemaId, pending);
    }
    return pending;
  }

  /**
   * Synchronous decode of one wire-format value whose schema id is cached. Throws RecordError
   * (BAD_MAGIC_BYTE, AVRO_DECODE, or UNKNOWN_SCHEMA_ID for a remembered rejection).
   */
  decode(value: Buffer): unknown {
    const schemaId = readSchemaId(value);
    const reader = this.#readers.get(schemaId);
    if (reader === undefined) throw this.#notLoaded(schemaId);
    return reader.decode(value);
  }

  async #fetch(schemaId: number): Promise<void> {
    let schema: unknown;
    try {
      schema = await this.#registry.getSchema(schemaId);
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404) throw this.#reject(schemaId, 'UNKNOWN_SCHEMA_ID', 'is not in the schema registry');
      // No HTTP status: the registry answered but the client could not build a type from the schema.
      if (status === undefined) throw this.#reject(schemaId, 'AVRO_DECODE', `is unusable: ${messageOf(err)}`);
      throw registryFailure(`fetching schema id ${schemaId}`, err, this.#registryName);
    }
    if (!avsc.Type.isType(schema)) throw this.#reject(schemaId, 'AVRO_DECODE', 'is not an Avro schema');
    this.#readers.set(schemaId, AvroReader.fromType(schemaId, schema as Type));
  }

  #reject(schemaId: number, reason: DlqReason, what: string): RecordError {
    if (this.#rejected.size >= MAX_REJECTED_IDS) {
      const oldest = this.#rejected.keys().next();
      if (oldest.done !== true) this.#rejected.delete(oldest.value);
    }
    const message = `schema id ${schemaId} ${what}`;
    this.#rejected.set(schemaId, { reason, message, until: this.#now() + this.#ttlMs });
    return new RecordError(reason, message);
  }

  #rejectionFor(schemaId: number): RecordError | undefined {
    const rejection = this.#rejected.get(schemaId);
    if (rejection === undefined) return undefined;
    if (this.#now() >= rejection.until) {
      this.#rejected.delete(schemaId);
      return undefined;
    }
    return new RecordError(rejection.reason, rejection.message);
  }

  #notLoaded(schemaId: number): Error {
    return this.#rejectionFor(schemaId) ?? new ScorerError('SCORER_ERR_SCHEMA_REGISTRY', `schema id ${schemaId} was decoded before load() cached it`);
  }
}

/** Grows by doubling from here; most predictions fit in the first buffer. */
const INITIAL_SCRATCH_BYTES = 1024;

/**
 * Encodes values with one registered schema. `encode` is synchronous: the body is written after a
 * header kept in a scratch buffer, then copied out in one allocation.
 */
export class AvroEncoder {
  readonly subject: string;
  readonly schemaId: number;
  readonly #type: Type;
  #scratch: Buffer;

  private constructor(subject: string, schemaId: number, type: Type) {
    this.subject = subject;
    this.schemaId = schemaId;
    this.#type = type;
    this.#scratch = this.#newScratch(INITIAL_SCRATCH_BYTES);
  }

  /**
   * Registers `schema` under `subject` (TopicNameStrategy: pass `<topic>-value`) and caches its id.
   * Where registering is refused (compatibility level other than BACKWARD, 403 on a locked-down
   * registry: kafkajs/confluent-schema-registry#129) it falls back to looking the schema up, so a schema
   * registered beforehand by CI still works. Throws ScorerError CONFIG (not Avro) or SCHEMA_REGISTRY.
   */
  static async create(registry: SchemaRegistry, subject: string, schema: object, registryName = 'the schema registry'): Promise<AvroEncoder> {
    let type: Type;
    try {
      type = avsc.Type.forSchema(schema as Parameters<typeof avsc.Type.forSchema>[0]);
    } catch (err) {
      throw new ScorerError('SCORER_ERR_CONFIG', `output schema is not valid Avro: ${messageOf(err)}`, { cause: err });
    }
    const schemaId = await registerOrLookUp(registry, subject, JSON.stringify(schema), registryName);
    return new AvroEncoder(subject, schemaId, type);
  }

  /** Throws ScorerError ENCODE when the value does not match the schema (a bug upstream, not bad input). */
  encode(value: unknown): Buffer {
    for (;;) {
      let end: number;
      try {
        end = this.#type.encode(value, this.#scratch, HEADER_BYTES);
      } catch (err) {
        throw new ScorerError('SCORER_ERR_ENCODE', `subject ${this.subject}: ${messageOf(err)}`, { cause: err });
      }
      // avsc returns minus the missing byte count when the buffer is too small.
      if (end > 0) return Buffer.from(this.#scratch.subarray(0, end));
      this.#scratch = this.#newScratch(Math.max(this.#scratch.length * 2, this.#scratch.length - end));
    }
  }

  #newScratch(size: number): Buffer {
    const scratch = Buffer.allocUnsafe(size);
    writeHeader(scratch, this.schemaId);
    return scratch;
  }
}

async function registerOrLookUp(registry: SchemaRegistry, subject: string, schema: string, registryName: string): Promise<number> {
  const confluentSchema = { type: SchemaType.AVRO, schema } as const;
  try {
    return (await registry.register(confluentSchema, { subject })).id;
  } catch (registerErr) {
    try {
      return await registry.getRegistryIdBySchema(subject, confluentSchema);
    } catch {
      throw registryFailure(`registering the output schema under subject "${subject}"`, registerErr, registryName);
    }
  }
}
