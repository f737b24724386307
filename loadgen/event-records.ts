/**
 * Kafka records of sample payment events, built cheaply enough to send 60,000 a second from a process
 * that shares two cores with the broker and the scorer it measures.
 *
 * Measured on this machine (node 24): generating an event costs ~4 µs and encoding it ~1.4 µs (Avro) or
 * ~2.5 µs (JSON), more than half of what kafkajs itself spends on a record (~8 µs). So the generator
 * fills a ring of RING_SIZE events once, each encoded once, and a record is spliced from one of them: the
 * three leading fields that change per event (event_id, account_id, event_time) are written by hand in
 * front of the template's remaining bytes (~0.7 µs a record for Avro, ~0.3 µs for JSON, account draw
 * included). Avro encodes a record
 * as its fields back to back in schema order, so the splice is exact; `avroRecords` checks it against the
 * product's encoder on every template at start-up. The account is drawn afresh for every record, so
 * the key distribution and the number of distinct keys are those asked for, not the ring's; the other
 * features come from the template and need not match that account (the scorer's cost does not depend
 * on it).
 *
 * Kafka record timestamps are whole milliseconds: the intended time is rounded down. A latency is then
 * overstated by less than 1 ms, never understated, and an event's stamp stays inside the phase (and the
 * warmup) it was scheduled in, whose bounds are whole milliseconds too.
 */

import { randomBytes } from 'node:crypto';
import { type Message, Partitioners } from 'kafkajs';
import { HEADER_BYTES, writeHeader } from '../src/codecs/wire-format.ts';
import { accountId, createEventGenerator, type PaymentEvent } from './events.ts';
import { createKeyPicker, type KeyPicker } from './keys.ts';
import { Random } from './random.ts';
import type { KeyDistribution } from './types.ts';

/** Templates in the ring: enough variety in the features for batches to differ, few enough to build in ~0.1 s. */
export const RING_SIZE = 4096;
/** The first fields of schemas/payment-event.avsc, in order: the ones spliced per record. */
export const SPLICED_FIELDS = ['event_id', 'account_id', 'event_time'] as const;
const EVENT_ID_LENGTH = 36;
/** Avro zigzag varint of the string length 36, and the most bytes a long can take. */
const EVENT_ID_LENGTH_BYTE = EVENT_ID_LENGTH * 2;
const MAX_LONG_BYTES = 10;
/** Event ids are a run's random 24-character uuid prefix and a 12-hex-digit sequence number. */
const SEQUENCE_DIGITS = 12;
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

export interface RecordSourceOptions {
  readonly seed: number;
  readonly accounts: number;
  readonly keys: KeyDistribution;
  /** Of the input topic: records carry their partition, computed once per account. */
  readonly partitions: number;
  readonly ringSize?: number;
}

/** Builds the record of the next event, stamped with its intended send time. */
export interface RecordSource {
  next(intendedEpochMs: number): Message;
}

/** What avroRecords needs of src/codecs/avro.ts AvroEncoder: the registered id and a full encode. */
export interface FullEncoder {
  readonly schemaId: number;
  encode(value: unknown): Buffer;
}

interface Account {
  readonly id: string;
  readonly key: Buffer;
  /** Avro string: varint length then the bytes. */
  readonly avro: Buffer;
  readonly partition: number;
}

export { accountId };

/** Writes `value` (a non-negative safe integer) as an Avro long: zigzag, then a base-128 varint. */
export function writeAvroLong(target: Buffer, offset: number, value: number): number {
  let n = value * 2;
  let at = offset;
  while (n >= 0x80) {
    target[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  target[at++] = n;
  return at;
}

/** How many bytes `writeAvroLong` writes for `value`. */
export function avroLongBytes(value: number): number {
  let bytes = 1;
  for (let n = value * 2; n >= 0x80; n = Math.floor(n / 0x80)) bytes++;
  return bytes;
}

/** Shared by both formats: the account draw, the key and partition cache, event ids and timestamps. */
class Stamper {
  readonly #random: Random;
  readonly #pick: KeyPicker;
  readonly #accounts: (Account | undefined)[];
  readonly #partitionOf: (key: Buffer) => number;
  /** 24 random hex characters and dashes a run shares; the last 12 count its events. */
  readonly #idPrefix: string;
  readonly #idPrefixBytes: Buffer;
  #sequence = 0;
  #lastMs = NaN;
  #lastMsText = '';

  constructor(o: RecordSourceOptions) {
    this.#random = new Random(o.seed ^ 0x5bd1e995);
    this.#pick = createKeyPicker(o.keys, o.accounts);
    this.#accounts = new Array(o.accounts);
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from({ length: o.partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
    }));
    // kafkajs's own Java-compatible murmur2, so keys land where any other client would put them; once per
    // account here instead of once per record in kafkajs (the records carry an explicit partition).
    this.#partitionOf = (key) => partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
    const hex = randomBytes(10).toString('hex');
    this.#idPrefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-a${hex.slice(15, 18)}-`;
    this.#idPrefixBytes = Buffer.from(this.#idPrefix, 'latin1');
  }

  account(): Account {
    const index = this.#pick(this.#random);
    let account = this.#accounts[index];
    if (account === undefined) {
      const id = accountId(index);
      const key = Buffer.from(id, 'latin1');
      const avro = Buffer.allocUnsafe(MAX_LONG_BYTES + key.length);
      const end = writeAvroLong(avro, 0, key.length);
      key.copy(avro, end);
      account = { id, key, avro: avro.subarray(0, end + key.length), partition: this.#partitionOf(key) };
      this.#accounts[index] = account;
    }
    return account;
  }

  eventId(): string {
    return this.#idPrefix + (this.#sequence++).toString(16).padStart(12, '0');
  }

  /** `eventId()` written as Latin-1 bytes at `at`, without building the string; returns the end. */
  writeEventId(target: Buffer, at: number): number {
    at += this.#idPrefixBytes.copy(target, at);
    let n = this.#sequence++;
    for (let i = SEQUENCE_DIGITS - 1; i >= 0; i--) {
      target[at + i] = HEX_DIGITS[n % 16] as number;
      n = Math.floor(n / 16);
    }
    return at + SEQUENCE_DIGITS;
  }

  /** Kafka takes the record timestamp as a decimal string; many records share a millisecond. */
  timestamp(ms: number): string {
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastMsText = String(ms);
    }
    return this.#lastMsText;
  }
}

function templates(o: RecordSourceOptions): PaymentEvent[] {
  const generator = createEventGenerator({ seed: o.seed, accounts: o.accounts, keys: o.keys });
  const now = Date.now();
  return Array.from({ length: o.ringSize ?? RING_SIZE }, () => generator.next(now));
}

/** Avro in the Confluent wire format, with `encoder`'s schema id. */
export function avroRecords(encoder: FullEncoder, o: RecordSourceOptions): RecordSource {
  const stamper = new Stamper(o);
  const header = Buffer.alloc(HEADER_BYTES);
  writeHeader(header, encoder.schemaId);
  const rests = templates(o).map((event) => {
    const full = encoder.encode(event);
    const prefix = avroPrefix(header, event);
    if (full.compare(prefix, 0, prefix.length, 0, prefix.length) !== 0) {
      throw new Error(`the payment event schema does not start with ${SPLICED_FIELDS.join(', ')} as loadgen/event-records.ts expects`);
    }
    return full.subarray(prefix.length);
  });
  let next = 0;
  return {
    next(intendedEpochMs) {
      const rest = rests[next] as Buffer;
      next = (next + 1) % rests.length;
      const account = stamper.account();
      const ms = Math.floor(intendedEpochMs);
      // Sized exactly: a subarray would cost a second Buffer object per record.
      const value = Buffer.allocUnsafe(HEADER_BYTES + 1 + EVENT_ID_LENGTH + account.avro.length + avroLongBytes(ms) + rest.length);
      header.copy(value, 0);
      value[HEADER_BYTES] = EVENT_ID_LENGTH_BYTE;
      let end = stamper.writeEventId(value, HEADER_BYTES + 1);
      end += account.avro.copy(value, end);
      end = writeAvroLong(value, end, ms);
      rest.copy(value, end);
      return { key: account.key, value, partition: account.partition, timestamp: stamper.timestamp(ms) };
    },
  };
}

/** Header, event_id, account_id and event_time of `event` as Avro: the bytes a full encoding starts with. */
function avroPrefix(header: Buffer, event: PaymentEvent): Buffer {
  const strings = [event.event_id, event.account_id].map((text) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.allocUnsafe(MAX_LONG_BYTES);
    return Buffer.concat([length.subarray(0, writeAvroLong(length, 0, bytes.length)), bytes]);
  });
  const time = Buffer.allocUnsafe(MAX_LONG_BYTES);
  return Buffer.concat([header, ...strings, time.subarray(0, writeAvroLong(time, 0, event.event_time))]);
}

/** JSON objects with the fields in schema order, as JSON.stringify would write them. */
export function jsonRecords(o: RecordSourceOptions): RecordSource {
  const stamper = new Stamper(o);
  const rests = templates(o).map((event) => {
    const rest: Record<string, unknown> = { ...event };
    for (const field of SPLICED_FIELDS) delete rest[field];
    // `"amount":12.5,...}`: the template's remaining fields, after the spliced ones.
    return JSON.stringify(rest).slice(1);
  });
  let next = 0;
  return {
    next(intendedEpochMs) {
      const rest = rests[next] as string;
      next = (next + 1) % rests.length;
      const account = stamper.account();
      const ms = Math.floor(intendedEpochMs);
      const value = `{"event_id":"${stamper.eventId()}","account_id":"${account.id}","event_time":${ms}${rest === '}' ? '' : ','}${rest}`;
      return { key: account.key, value, partition: account.partition, timestamp: stamper.timestamp(ms) };
    },
  };
}
