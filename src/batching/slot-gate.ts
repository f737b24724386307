/**
 * The worker slots every lane (a served model, a flow) shares: batches in flight across all lanes never
 * exceed the pool's capacity, and a lane flooded with rows cannot hold them all while another lane waits.
 * Work-conserving: a lane alone may use every slot. When lanes compete, a lane at or above its fair
 * share (the slots over the active lanes) gets no freed slot while a lane below it waits, and a freed slot
 * goes to the waiting lane with the fewest batches in flight. So a flood of one model costs another at
 * most the batch that is already running ahead of it, not a queue of them (per-model isolation, issue 10).
 * Pure: no clock, no timers; lanes are woken synchronously from release().
 */

export interface SlotSeat {
  /** Takes a slot for one batch; false: none for this lane now, and it is woken when one frees. */
  tryAcquire(): boolean;
  /** Gives back a slot taken by tryAcquire. */
  release(): void;
}

interface Seat {
  inFlight: number;
  waiting: boolean;
  readonly wake: () => void;
}

export class SlotGate {
  readonly #total: number;
  readonly #seats: Seat[] = [];
  #used = 0;

  constructor(total: number) {
    if (!Number.isInteger(total) || total < 1) throw new RangeError('a slot gate needs an integer number of slots >= 1');
    this.#total = total;
  }

  /** A lane's seat; `wake` is called (synchronously, from another lane's release) when it may try again. */
  seat(wake: () => void): SlotSeat {
    const seat: Seat = { inFlight: 0, waiting: false, wake };
    this.#seats.push(seat);
    return { tryAcquire: () => this.#tryAcquire(seat), release: () => this.#release(seat) };
  }

  get used(): number {
    return this.#used;
  }

  #tryAcquire(seat: Seat): boolean {
    if (this.#used >= this.#total || (seat.inFlight >= this.#fairShare(seat) && this.#othersWaiting(seat))) {
      seat.waiting = true;
      return false;
    }
    seat.waiting = false;
    seat.inFlight++;
    this.#used++;
    return true;
  }

  #release(seat: Seat): void {
    if (seat.inFlight === 0) throw new RangeError('a slot released that was not taken');
    seat.inFlight--;
    this.#used--;
    // Fewest in flight first; each may take the slot, and the others keep waiting for the next one.
    const waiting = this.#seats.filter((s) => s.waiting && s !== seat).sort((a, b) => a.inFlight - b.inFlight);
    for (const s of waiting) {
      if (this.#used >= this.#total) break;
      s.waiting = false;
      s.wake();
    }
  }

  /** The slots over the lanes that are active (in flight or waiting), counting the asking one. */
  #fairShare(asking: Seat): number {
    let active = 0;
    for (const s of this.#seats) if (s === asking || s.inFlight > 0 || s.waiting) active++;
    return Math.max(1, Math.floor(this.#total / active));
  }

  #othersWaiting(asking: Seat): boolean {
    return this.#seats.some((s) => s !== asking && s.waiting);
  }
}
