/**
 * A flow's error budget, one circuit per model (FallbackConfig.circuit). Closed, a model runs and every
 * batch it ran is counted, failed (it could not score a row, or it missed the deadline) or not. When at
 * least `minBatches` batches within `windowMs` failed at `errorRate` or more, the circuit opens: for
 * `openMs` the workers do not run the model and the flow's fallback answers. Then it is half-open: the
 * model runs again, and the first batch it finishes decides: good closes the circuit (with a clear
 * window), failed opens it again. The batches formed before that one finishes run it too (at most the
 * lane's slots): no batch is held as "the" probe, since a probe whose rows all route elsewhere would
 * leave the circuit half-open for good. Pure: the clock is injected, and the caller logs and exports
 * the transitions.
 */
import type { Clock } from '../core/clock.ts';

export interface CircuitSettings {
  readonly errorRate: number;
  readonly minBatches: number;
  readonly windowMs: number;
  readonly openMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

/** A change of state and the numbers behind it, for the log line and the metrics. */
export interface CircuitTransition {
  readonly model: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Failed and counted batches in the window when it opened. */
  readonly failed: number;
  readonly batches: number;
}

interface Circuit {
  state: CircuitState;
  /** (time, failed) of the batches in the window, oldest first. */
  readonly window: { at: number; failed: boolean }[];
  openedAt: number;
}

export class CircuitBreakers {
  readonly #settings: CircuitSettings;
  readonly #clock: Clock;
  readonly #circuits = new Map<string, Circuit>();

  constructor(settings: CircuitSettings, clock: Clock) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** The models a batch formed now must not run; an open circuit past openMs turns half-open here. */
  open(): { readonly skip: string[]; readonly transitions: CircuitTransition[] } {
    const now = this.#clock.now();
    const skip: string[] = [];
    const transitions: CircuitTransition[] = [];
    for (const [model, circuit] of this.#circuits) {
      if (circuit.state === 'open' && now - circuit.openedAt >= this.#settings.openMs) {
        transitions.push({ model, from: 'open', to: 'half-open', failed: 0, batches: 0 });
        circuit.state = 'half-open';
        continue;
      }
      if (circuit.state === 'open') skip.push(model);
    }
    return { skip, transitions };
  }

  /** A batch the model ran finished; returns the transition it caused, if any. */
  record(model: string, failed: boolean): CircuitTransition | undefined {
    const now = this.#clock.now();
    const circuit = this.#circuit(model);
    if (circuit.state === 'half-open') {
      circuit.window.length = 0;
      if (!failed) {
        circuit.state = 'closed';
        return { model, from: 'half-open', to: 'closed', failed: 0, batches: 1 };
      }
      circuit.state = 'open';
      circuit.openedAt = now;
      return { model, from: 'half-open', to: 'open', failed: 1, batches: 1 };
    }
    if (circuit.state === 'open') return undefined; // a batch formed before it opened
    const { window } = circuit;
    window.push({ at: now, failed });
    while (window.length > 0 && now - (window[0] as { at: number }).at > this.#settings.windowMs) window.shift();
    const failures = window.filter((b) => b.failed).length;
    const batches = window.length;
    if (batches < this.#settings.minBatches || failures < this.#settings.errorRate * batches) return undefined;
    circuit.state = 'open';
    circuit.openedAt = now;
    window.length = 0;
    return { model, from: 'closed', to: 'open', failed: failures, batches };
  }

  state(model: string): CircuitState {
    return this.#circuits.get(model)?.state ?? 'closed';
  }

  #circuit(model: string): Circuit {
    let circuit = this.#circuits.get(model);
    if (circuit === undefined) {
      circuit = { state: 'closed', window: [], openedAt: 0 };
      this.#circuits.set(model, circuit);
    }
    return circuit;
  }
}
