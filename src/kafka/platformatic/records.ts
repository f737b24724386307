/**
 * Between @platformatic/kafka's wire shapes and the interface's neutral records, without the library's
 * per-message objects (messages-stream.js builds a Map, a commit closure and a metadata object for every
 * record; this builds only what ConsumedRecord holds).
 *
 * - Offsets and timestamps: the batch header holds bigints; records hold small deltas. One Number()
 *   per batch and plain additions per record (exact below 2^53, far beyond any real offset).
 * - Timestamps: with LogAppendTime (attribute bit 3) the broker stamps the batch's maxTimestamp and
 *   leaves the record deltas as the producer wrote them, so maxTimestamp is every record's time, as the
 *   Java client reads it. protocol/records.js ignores that bit.
 * - Control batches (transaction markers, bit 5) are skipped but still move `next`, so a partition whose
 *   fetch ends in a marker is not fetched from the marker again.
 * - Headers: the wire allows repeated keys and null values; pairs keep the order and the repeats, a null
 *   value becomes an empty Buffer (the neutral Header has no null).
 * - Aborted transactions (read_committed): the library drops an aborted transaction's batches only when
 *   its abort marker is in the same response, and keeps them "for safety" otherwise (consumer.js
 *   #filterUncommittedMessages), so a transaction larger than one fetch was delivered (measured: 2,000
 *   aborted records with 64 KiB fetches). This applies the Java client's rule on what is left: from the
 *   first offset the broker lists for an aborted producer, that producer's transactional batches are
 *   skipped until its abort marker.
 */
import type { fetchV17, KafkaRecord, MessageToProduce, RecordsBatch } from '@platformatic/kafka';
import { type ConsumedRecord, type Header, NO_HEADERS, type OutgoingRecord } from '../client.ts';

const LOG_APPEND_TIME = 1 << 3;
const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** A control record's key is (version: int16, type: int16); type 0 marks an abort. */
const ABORT_MARKER = 0;

type AbortedTransactions = fetchV17.FetchResponsePartition['abortedTransactions'];
const EMPTY = Buffer.alloc(0);

export interface FetchedRecords {
  /** Records at or after the fetch offset, control records left out, in offset order. */
  readonly records: ConsumedRecord[];
  /** The offset after the last batch fetched: where the next fetch starts when all were taken. */
  readonly next: bigint;
}

function headerPairs(headers: KafkaRecord['headers']): readonly Header[] {
  if (headers.length === 0) return NO_HEADERS;
  const pairs: Header[] = new Array(headers.length);
  for (let i = 0; i < headers.length; i++) {
    const [key, value] = headers[i] as [Buffer | null, Buffer | null];
    pairs[i] = [key === null ? '' : key.toString('utf8'), value ?? EMPTY];
  }
  return pairs;
}

/** Java's Fetcher rule for read_committed: which batches belong to a transaction the broker says was aborted. */
class AbortedBatches {
  readonly #pending: { producerId: bigint; firstOffset: bigint }[];
  readonly #producers = new Set<bigint>();
  #next = 0;

  constructor(aborted: AbortedTransactions) {
    this.#pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  /** Call for every batch in order, control batches included. */
  skip(batch: RecordsBatch, end: bigint): boolean {
    // Transactions that began at or before this batch's last offset are in force from here on.
    for (let txn = this.#pending[this.#next]; txn !== undefined && txn.firstOffset < end; txn = this.#pending[++this.#next]) {
      this.#producers.add(txn.producerId);
    }
    if ((batch.attributes & IS_CONTROL) !== 0) {
      if (batch.records[0]?.key?.readInt16BE(2) === ABORT_MARKER) this.#producers.delete(batch.producerId);
      return true;
    }
    return (batch.attributes & IS_TRANSACTIONAL) !== 0 && this.#producers.has(batch.producerId);
  }
}

export function fetchedRecords(batches: readonly RecordsBatch[], from: bigint, aborted: AbortedTransactions = null): FetchedRecords {
  const records: ConsumedRecord[] = [];
  const start = Number(from);
  const abortedBatches = aborted === null || aborted.length === 0 ? undefined : new AbortedBatches(aborted);
  let next = from;
  for (const batch of batches) {
    const end = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if (end > next) next = end;
    if (abortedBatches?.skip(batch, end) === true || (batch.attributes & IS_CONTROL) !== 0) continue;
    const base = Number(batch.firstOffset);
    const appended = (batch.attributes & LOG_APPEND_TIME) !== 0;
    const first = Number(batch.firstTimestamp);
    const max = Number(batch.maxTimestamp);
    for (const record of batch.records) {
      const offset = base + record.offsetDelta;
      // A batch can start before the fetch offset (the broker returns whole batches).
      if (offset < start) continue;
      const timestamp = appended ? max : first + Number(record.timestampDelta);
      records.push({ offset, timestamp, key: record.key, value: record.value, headers: headerPairs(record.headers) });
    }
  }
  return { records, next };
}

/**
 * The library writes whatever entries the headers Map holds (appendVarIntMap in protocol/writer.js) and
 * a Map tells Buffer keys apart by identity, so a fresh Buffer per key keeps a repeated key twice.
 */
function headerMap(headers: readonly Header[]): Map<Buffer, Buffer> | undefined {
  if (headers.length === 0) return undefined;
  const map = new Map<Buffer, Buffer>();
  for (const [key, value] of headers) map.set(Buffer.from(key, 'utf8'), value);
  return map;
}

export function outgoingMessage(record: OutgoingRecord): MessageToProduce {
  const message: MessageToProduce = { topic: record.topic };
  if (record.key !== null) message.key = record.key;
  if (record.value !== null) message.value = record.value;
  const headers = headerMap(record.headers);
  if (headers !== undefined) message.headers = headers;
  return message;
}
