/**
 * The delivery stage: outcomes completed in any order go out in offset order per partition, through one
 * ordered sender, and the committer turns acknowledgements into committed offsets. Intake and the model
 * stage hand it outcomes; it never calls back into them except through `onAcknowledged`.
 */
import type { BackoffPolicy } from '../core/backoff.ts';
import type { Clock, Scheduler } from '../core/clock.ts';
import type { Log } from '../core/log.ts';
import { OrderedSender, type RecordTransport } from './ordered-sender.ts';
import { type Outgoing, outgoingBytes, recordsOf, type Sequenced } from './outgoing.ts';

export interface DeliveryOptions {
  /** The producer (at-least-once) or the transactional transport (exactly-once). */
  readonly transport: RecordTransport<Outgoing>;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Log;
  readonly maxRecordsPerSend: number;
  /** Most bytes in one send (send-size.ts); absent: counts alone. */
  readonly maxBytesPerSend?: number;
  /** OrderedSenderOptions.minIntervalMs: exactly-once paces its transactions. */
  readonly minIntervalMs?: number;
  readonly retry: BackoffPolicy;
  /** Acknowledged by the brokers, in send order; their ledgers are already acknowledged. */
  readonly onAcknowledged: (outgoing: readonly Outgoing[], sendMs: number) => void;
  readonly onSendFailure: () => void;
}

export class Delivery {
  readonly #sender: OrderedSender<Outgoing>;
  readonly #touched = new Set<Sequenced<Outgoing>>();
  readonly #ready: Outgoing[] = [];

  constructor(options: DeliveryOptions) {
    this.#sender = new OrderedSender<Outgoing>({
      transport: options.transport,
      recordsOf,
      clock: options.clock,
      scheduler: options.scheduler,
      maxRecordsPerSend: options.maxRecordsPerSend,
      ...(options.maxBytesPerSend === undefined ? {} : { maxBytesPerSend: { bytes: options.maxBytesPerSend, bytesOf: outgoingBytes } }),
      minIntervalMs: options.minIntervalMs,
      retry: options.retry,
      onAcked: (outgoing, sendMs) => {
        for (const o of outgoing) o.source.ledger.acknowledge(o.source.offset);
        options.onAcknowledged(outgoing, sendMs);
      },
      onSendError: (error, attempt, records) => {
        options.onSendFailure();
        options.log.warn({ err: error, attempt, records }, 'produce failed; retrying the same records');
      },
    });
  }

  /** Records waiting for the sender or on the wire: the producer-saturation signal. */
  get queued(): number {
    return this.#sender.queued;
  }

  /** Completes one step's outcomes (a scored batch, a rejected record) and sends what became releasable. */
  complete(outcomes: readonly Outgoing[]): void {
    for (const o of outcomes) {
      o.source.ledger.complete(o.source.offset, o);
      this.#touched.add(o.source.ledger);
    }
    for (const ledger of this.#touched) ledger.release(this.#ready);
    this.#touched.clear();
    if (this.#ready.length === 0) return;
    const ready = this.#ready.splice(0);
    this.#sender.enqueue(ready);
  }

  /** Resolves once everything released so far was acknowledged. */
  idle(): Promise<void> {
    return this.#sender.idle();
  }

  /** Stops sending; resolves when no send is on the wire any more. */
  stop(): Promise<void> {
    return this.#sender.stop();
  }
}
