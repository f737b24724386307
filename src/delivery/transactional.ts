/**
 * Exactly-once delivery (delivery.guarantee: exactly-once): the ordered sender's transport and the
 * committer in one. Every send is one transaction: begin, the records (predictions and dead letters
 * alike), the input offsets they answer (for each partition, one past the last offset in the send, under
 * the ownership epoch it was admitted in), commit. Only a committed transaction counts as acknowledged,
 * so the ledgers move, and the offsets are committed, exactly when a read_committed consumer of the
 * output can see the records: each input once, or (aborted) not at all and replayed. No offset commit is
 * made outside transactions; the committer's calls only wait for the transaction on the wire.
 *
 * One transactional producer per replica is enough because the client fences by generation (KIP-447):
 * TxnOffsetCommit carries the consumer's generation and member id, and the adapter checks ownership
 * epochs right before the offsets leave. The transactional id only has to be unique among live replicas;
 * one that is also stable across restarts (a StatefulSet's pod name) lets a restarted replica abort at
 * once what its crashed predecessor left open, instead of the coordinator doing so at the transaction
 * timeout (until then read_committed consumers of the partitions it wrote to wait).
 *
 * Failures:
 * - Before commit (begin, produce, offsets): nothing can be committed, so the transaction is aborted,
 *   the producer replaced (a new one registers the same id under the old one's identity: new epoch,
 *   sequence numbers reset, any open transaction aborted) and the send rejects, so the ordered sender
 *   retries the same records after a backoff. Records of partitions given up meanwhile are left out of
 *   every later attempt: their next owner replays them from the committed offsets.
 * - The epoch is over ('fenced', from any step): the coordinator aborted the transaction because it
 *   stayed open longer than `delivery.transaction.timeoutMs` (the replica stalled: a pause, a starved
 *   CPU, a slow broker), or another producer took the id. A replacement registers at once under the old
 *   identity, which the coordinator grants only in the first case (client.ts TransactionalOptions.resume);
 *   then the send rejects and its records go again in a new transaction, as after any abort. Nothing of
 *   the aborted one is visible to read_committed consumers, and its offsets were not committed.
 * - Commit without an answer: sent again (a repeated EndTxn of a committed transaction succeeds) for up
 *   to `commitRetryMs`; then, or once the coordinator answers with a final error after an unanswered
 *   attempt, the outcome is read back from the group's committed offsets (Transaction.outcome).
 * - Fenced (another producer registered the id: this replica is a zombie, and the coordinator refuses
 *   its re-registration), an outcome showing someone else committed since, or a transactional id the
 *   brokers refuse: `onFatal`, and nothing is sent any more; the service stops without committing stale
 *   work, and the partitions' next owners replay.
 */
import { type BackoffPolicy, backoffDelay, sleep } from '../core/backoff.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { ScorerError } from '../errors.ts';
import {
  type CommitOffset,
  type GroupConsumer,
  type OutgoingRecord,
  type ProducerIdentity,
  type Transaction,
  type TransactionalProducer,
  type TransactionOutcome,
  transactionFailure,
} from '../kafka/client.ts';
import type { Committer, WatermarkSource } from './committer.ts';
import type { RecordTransport } from './ordered-sender.ts';
import { type Outgoing, recordsOf, type Sequenced } from './outgoing.ts';
import { itemsWithin, MAX_BYTES_PER_SEND, recordBytes } from './send-size.ts';

export interface TransactionalDeliveryOptions {
  /** Told of the offsets each committed transaction carried (intake's partition table). */
  readonly source: Pick<WatermarkSource, 'committed'>;
  /** The group member the offsets are committed for (sendOffsets). */
  readonly consumer: GroupConsumer;
  /**
   * A new producer with the replica's transactional id: the first one (`resume` undefined), and each
   * replacement, given the identity of the last one registered.
   */
  readonly producer: (resume: ProducerIdentity | undefined) => TransactionalProducer;
  readonly transactionalId: string;
  /** Most records in one produce request inside a transaction. */
  readonly maxRecordsPerRequest: number;
  /** How long a commit without an answer is sent again before its outcome is read back. */
  readonly commitRetryMs: number;
  readonly retry: BackoffPolicy;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Log;
  /** One per transaction: committed, or aborted (its records are sent again). */
  readonly recordTransaction: (committed: boolean) => void;
  /** The replica must stop: fenced, superseded, or refused by the brokers. */
  readonly onFatal: (error: Error) => void;
}

/** What one transaction carries, the records of given-up partitions left out. */
interface Contents {
  readonly records: readonly OutgoingRecord[];
  readonly offsets: readonly CommitOffset[];
  readonly dropped: number;
}

/** The offsets `items` answer: for each ownership, one past its last offset (items are in release order). */
export function transactionContents(records: readonly OutgoingRecord[], items: readonly Outgoing[]): Contents {
  const last = new Map<Sequenced<Outgoing>, number>();
  let dropped = 0;
  for (const item of items) {
    const { ledger, offset } = item.source;
    if (ledger.revoked) dropped++;
    else last.set(ledger, offset);
  }
  const kept = dropped === 0 ? records : recordsOf(items.filter((item) => !item.source.ledger.revoked));
  const offsets: CommitOffset[] = [];
  for (const [ledger, offset] of last) offsets.push({ topic: ledger.topic, partition: ledger.partition, epoch: ledger.epoch, offset: offset + 1 });
  return { records: kept, offsets, dropped };
}

export class TransactionalDelivery implements RecordTransport<Outgoing>, Committer {
  readonly #o: TransactionalDeliveryOptions;
  #producer: TransactionalProducer | undefined;
  /** What the last successful registration gave: a replacement registers under it. */
  #resume: ProducerIdentity | undefined;
  /** The transaction being attempted, settled (never rejects): what commit() and revocations wait for. */
  #inFlight: Promise<void> = Promise.resolve();
  #fatal: Error | undefined;
  #closed = false;

  constructor(options: TransactionalDeliveryOptions) {
    this.#o = options;
  }

  /**
   * Registers the transactional id before the consumer joins: a predecessor with the same id is fenced
   * and what it left open is aborted now, not at its transaction timeout. Rejects when the brokers
   * refuse the id (authorization, timeout above transaction.max.timeout.ms).
   */
  async start(): Promise<void> {
    await this.#ready();
  }

  // ---- RecordTransport: one transaction per send -------------------------------------------------------

  send(records: readonly OutgoingRecord[], items: readonly Outgoing[]): Promise<void> {
    const attempt = this.#transaction(transactionContents(records, items));
    this.#inFlight = attempt.then(
      () => undefined,
      () => undefined,
    );
    return attempt;
  }

  async #transaction(contents: Contents): Promise<void> {
    if (this.#fatal !== undefined) throw this.#fatal;
    if (this.#closed) throw new ScorerError('SCORER_ERR_SHUTDOWN_TIMEOUT', 'exactly-once delivery is closed');
    // Every record belongs to a partition given up since: nothing to produce, nothing to commit.
    if (contents.records.length === 0) return;
    const producer = await this.#ready();
    let tx: Transaction | undefined;
    try {
      tx = await producer.begin();
      const { records } = contents;
      for (let i = 0; i < records.length; ) {
        const n = itemsWithin(records.length - i, this.#o.maxRecordsPerRequest, MAX_BYTES_PER_SEND, (k) => recordBytes(records[i + k] as OutgoingRecord));
        await tx.send(i === 0 && n === records.length ? records : records.slice(i, i + n));
        i += n;
      }
      await tx.sendOffsets(contents.offsets, this.#o.consumer);
    } catch (error) {
      await this.#abandon(producer, tx, error);
      throw error;
    }
    await this.#commit(producer, tx, contents);
    this.#o.source.committed(contents.offsets);
    this.#o.recordTransaction(true);
  }

  /** Commits, sending EndTxn again while unanswered; reads the outcome back when it stays unknown. */
  async #commit(producer: TransactionalProducer, tx: Transaction, contents: Contents): Promise<void> {
    let unanswered: number | undefined;
    for (let attempt = 1; ; attempt++) {
      let error: unknown;
      try {
        await tx.commit();
        return;
      } catch (caught) {
        error = caught;
      }
      const kind = transactionFailure(error);
      if (unanswered === undefined) {
        // A final answer to the first EndTxn: the transaction did not commit.
        if (kind === 'fatal') throw this.#die(error);
        if (kind === 'rejected' || kind === 'fenced') {
          await this.#abandon(producer, tx, error);
          throw error;
        }
        unanswered = this.#o.clock.now();
      }
      if (kind === 'unknown' && this.#o.clock.now() - unanswered < this.#o.commitRetryMs && !this.#closed) {
        const delayMs = backoffDelay(this.#o.retry, attempt);
        this.#o.log.warn(
          { err: error, attempt, retryInMs: Math.round(delayMs), partitions: contents.offsets.length },
          'transaction commit unanswered; sending it again',
        );
        await sleep(this.#o.scheduler, delayMs);
        continue;
      }
      const outcome = await this.#outcome(tx, error);
      if (outcome === 'committed') {
        this.#o.log.warn({ partitions: contents.offsets.length }, 'transaction commit unanswered, but its offsets are committed: it committed');
        return;
      }
      if (outcome === 'superseded') throw this.#die(new ScorerError('SCORER_ERR_KAFKA', this.#superseded(), { cause: error }));
      this.#o.log.warn({ partitions: contents.offsets.length }, 'transaction commit unanswered, and its offsets are not committed: it was aborted');
      await this.#abandon(producer, undefined, error);
      throw error;
    }
  }

  /** Reads the outcome back, again and again while the brokers cannot tell (they may be restarting). */
  async #outcome(tx: Transaction, cause: unknown): Promise<TransactionOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await tx.outcome();
      } catch (error) {
        if (transactionFailure(error) === 'fatal' || this.#closed) throw this.#die(new ScorerError('SCORER_ERR_KAFKA', this.#unknown(), { cause }));
        const delayMs = backoffDelay(this.#o.retry, attempt);
        this.#o.log.warn({ err: error, attempt, retryInMs: Math.round(delayMs) }, 'cannot read back whether a transaction committed; retrying');
        await sleep(this.#o.scheduler, delayMs);
      }
    }
  }

  /**
   * Aborts (best effort) and replaces the producer; a fatal failure stops everything instead. When the
   * epoch is over (the failure, or the abort's refusal, says 'fenced'), there is nothing to abort, and
   * the replacement registers at once to learn whose the id is. A stalled step often fails first by
   * its own deadline ('unknown'), and only the abort meets the bumped epoch.
   */
  async #abandon(producer: TransactionalProducer, tx: Transaction | undefined, error: unknown): Promise<void> {
    const kind = transactionFailure(error);
    if (kind === 'fatal') throw this.#die(error);
    this.#o.recordTransaction(false);
    // Any abort failure other than these leaves it to the coordinator (the replacement's registration
    // aborts what is open under the id).
    const refused =
      tx === undefined || kind === 'fenced'
        ? undefined
        : await tx.abort().then(
            () => undefined,
            (abortError: unknown) => abortError,
          );
    const refusal = refused === undefined ? undefined : transactionFailure(refused);
    if (refusal === 'fatal') throw this.#die(refused);
    await this.#replace(producer);
    if (kind === 'fenced' || refusal === 'fenced') {
      await this.#reclaim(kind === 'fenced' ? error : refused);
      return;
    }
    this.#o.log.warn({ err: error }, 'transaction aborted; its records are sent again in a new one');
  }

  /**
   * After a 'fenced' step: registers a replacement now, under the old identity, so the coordinator says
   * whose the id is. Refused: another producer took it, and #ready stopped everything. No answer: the
   * next send registers again (under the same identity: a registration that took effect unanswered is
   * granted again, KIP-360).
   */
  async #reclaim(cause: unknown): Promise<void> {
    try {
      await this.#ready();
    } catch (error) {
      if (this.#fatal !== undefined) throw this.#fatal;
      this.#o.log.warn(
        { err: error, cause },
        'a transaction ended on the coordinator, and registering the transactional id again failed; the next attempt registers again',
      );
      return;
    }
    this.#o.log.warn(
      { err: cause, transactionalId: this.#o.transactionalId },
      'the coordinator aborted a transaction open longer than delivery.transaction.timeoutMs; registered again under the same producer id, its records are sent again in a new one',
    );
  }

  /** The current producer, created and registered on first use and after a replacement. */
  async #ready(): Promise<TransactionalProducer> {
    if (this.#producer !== undefined) return this.#producer;
    const producer = this.#o.producer(this.#resume);
    this.#producer = producer;
    try {
      await producer.init();
    } catch (error) {
      if (transactionFailure(error) === 'fatal') throw this.#die(error);
      await this.#replace(producer);
      throw error;
    }
    this.#resume = producer.identity ?? this.#resume;
    return producer;
  }

  async #replace(producer: TransactionalProducer): Promise<void> {
    if (this.#producer === producer) this.#producer = undefined;
    await producer.close().catch(() => undefined);
  }

  #die(error: unknown): Error {
    if (this.#fatal !== undefined) return this.#fatal;
    const fatal =
      error instanceof Error ? error : new ScorerError('SCORER_ERR_KAFKA', `exactly-once delivery cannot go on: ${String(error)}`, { cause: error });
    this.#fatal = fatal;
    this.#o.log.error(
      { err: fatal, transactionalId: this.#o.transactionalId },
      'exactly-once delivery stops: this replica may not commit any more (fenced or superseded); its partitions are replayed by their next owner',
    );
    const producer = this.#producer;
    this.#producer = undefined;
    void producer?.close().catch(() => undefined);
    this.#o.onFatal(fatal);
    return fatal;
  }

  #superseded(): string {
    return `transactional id "${this.#o.transactionalId}": the group's offsets moved past this replica's transaction while its commit was unanswered: another producer owns the partitions now`;
  }

  #unknown(): string {
    return `transactional id "${this.#o.transactionalId}": the outcome of a transaction whose commit went unanswered cannot be read back`;
  }

  // ---- Committer: the offsets travel in the transactions -----------------------------------------------

  acknowledged(): void {}

  /** Resolves once the transaction on the wire (if any) settled: everything acknowledged is committed. */
  commit(): Promise<void> {
    return this.#inFlight;
  }

  /**
   * What was acknowledged of these partitions was committed with it; a transaction on the wire may
   * still carry their offsets, and it must settle before they are given up (revocation).
   */
  commitOffsets(_offsets: readonly CommitOffset[]): Promise<void> {
    return this.#inFlight;
  }

  /** After the sender stopped: waits for the last transaction, then closes the producer. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#inFlight;
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.close().catch(() => undefined);
  }
}

/**
 * The default transactional id: unique among live replicas (no two live processes share a host name
 * and a pid), and stable across restarts wherever both are (a StatefulSet pod runs the scorer as pid 1).
 */
export function defaultTransactionalId(groupId: string, host: string, pid: number): string {
  return `${groupId}-${host}-${pid}`;
}
