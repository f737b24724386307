/**
 * A test double for the transactional side of the Kafka client interface, not Kafka: a broker in memory
 * whose producers' every step can be made to fail (fault injection), for the exactly-once unit tests.
 */
import { ScorerError } from '../../src/errors.ts';
import type {
  CommitOffset,
  OutgoingRecord,
  ProducerIdentity,
  Transaction,
  TransactionalProducer,
  TransactionFailure,
  TransactionOutcome,
} from '../../src/kafka/client.ts';

export const failure = (kind: TransactionFailure, what = 'broker says no') =>
  new ScorerError('SCORER_ERR_KAFKA', `${what} (${kind})`, { details: { transaction: kind } });

/** What one step of a fake transaction does: go through, or fail with a kind; 'lost' commits take effect but answer 'unknown'. */
export type Fate = 'ok' | TransactionFailure | 'lost';

/** What committed is visible, with the group's committed offsets; `fate` injects the faults. */
export class FakeTransactionalBroker {
  readonly visible: OutgoingRecord[] = [];
  readonly committed = new Map<string, number>();
  producers = 0;
  aborts = 0;
  commits = 0;
  /** The identity each producer was told to register under (resume), in creation order. */
  readonly resumed: (ProducerIdentity | undefined)[] = [];
  /** Another producer registered the id: a registration naming an earlier identity is refused ('fatal'). */
  takenOver = false;
  /** Decides each step's fate; default: everything goes through. */
  fate: (step: 'init' | 'send' | 'offsets' | 'commit' | 'abort' | 'outcome') => Fate = () => 'ok';

  producer = (resume?: ProducerIdentity): TransactionalProducer => {
    this.producers++;
    this.resumed.push(resume);
    const broker = this;
    const epoch = this.producers;
    let closed = false;
    let identity: ProducerIdentity | undefined;
    return {
      get identity() {
        return identity;
      },
      async init() {
        const f = broker.fate('init');
        if (f !== 'ok' && f !== 'lost') throw failure(f);
        if (resume !== undefined && broker.takenOver) throw failure('fatal', 'PRODUCER_FENCED');
        identity = { producerId: 1n, producerEpoch: epoch };
      },
      async begin(): Promise<Transaction> {
        if (closed) throw failure('rejected', 'closed');
        const records: OutgoingRecord[] = [];
        let offsets: readonly CommitOffset[] = [];
        let applied = false;
        const apply = () => {
          if (applied) return;
          applied = true;
          broker.commits++;
          broker.visible.push(...records);
          for (const o of offsets) broker.committed.set(`${o.topic}:${o.partition}`, o.offset);
        };
        const step = (name: 'send' | 'offsets') => {
          const f = broker.fate(name);
          if (f !== 'ok' && f !== 'lost') throw failure(f);
        };
        return {
          async send(r) {
            step('send');
            records.push(...r);
          },
          async sendOffsets(o) {
            step('offsets');
            offsets = o;
          },
          async commit() {
            if (applied) return; // a repeated EndTxn of a committed transaction succeeds
            const f = broker.fate('commit');
            if (f === 'ok') return apply();
            if (f === 'lost') {
              apply();
              throw failure('unknown', 'no answer');
            }
            throw failure(f);
          },
          async abort() {
            broker.aborts++;
            const f = broker.fate('abort');
            if (f !== 'ok' && f !== 'lost') throw failure(f);
          },
          async outcome(): Promise<TransactionOutcome> {
            const f = broker.fate('outcome');
            if (f !== 'ok' && f !== 'lost') throw failure(f);
            return applied ? 'committed' : 'aborted';
          },
        };
      },
      async close() {
        closed = true;
      },
    };
  };
}

/** Lays `override` over every transaction the broker's producers begin from now on. */
export function overrideTransactions(broker: FakeTransactionalBroker, override: (tx: Transaction) => Partial<Transaction>): void {
  const original = broker.producer;
  broker.producer = (resume) => {
    const p = original(resume);
    return {
      init: () => p.init(),
      close: () => p.close(),
      get identity() {
        return p.identity;
      },
      async begin() {
        const tx = await p.begin();
        return { ...tx, ...override(tx) };
      },
    };
  };
}

/** Holds every commit of the broker's transactions until the returned function is called. */
export function holdCommits(broker: FakeTransactionalBroker): () => void {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  overrideTransactions(broker, (tx) => ({
    commit: async () => {
      await gate;
      await tx.commit();
    },
  }));
  return release;
}
