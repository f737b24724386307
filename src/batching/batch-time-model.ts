/**
 * Batch service time as a line, s(b) = alpha + beta*b, fitted by least squares over the last N batches
 * (notes §5, §6: BentoML fits the same model over its last 50). alpha is the fixed cost of a call into a
 * worker, beta the cost per row; the batcher needs both to size batches that keep up with arrivals.
 * The sums are updated in O(1) per sample and rebuilt once per window so rounding cannot drift.
 */
import { ScorerError } from '../errors.ts';

export interface BatchTimeModelOptions {
  /** Batches in the fit. @defaultValue 100 */
  window?: number;
  /** Samples before the fit replaces the priors. @defaultValue 3 */
  minSamples?: number;
  /** ms per batch assumed before enough samples. @defaultValue 1 */
  priorAlpha?: number;
  /** ms per row assumed before enough samples. @defaultValue 0.01 */
  priorBeta?: number;
}

export class BatchTimeModel {
  readonly #rows: Float64Array;
  readonly #ms: Float64Array;
  readonly #minSamples: number;
  readonly #priorAlpha: number;
  readonly #priorBeta: number;
  #next = 0;
  #count = 0;
  #sinceRebuild = 0;
  #sx = 0;
  #sy = 0;
  #sxx = 0;
  #sxy = 0;
  #alpha: number;
  #beta: number;
  #stale = false;

  constructor(options: BatchTimeModelOptions = {}) {
    const window = options.window ?? 100;
    this.#minSamples = Math.max(2, options.minSamples ?? 3);
    this.#priorAlpha = options.priorAlpha ?? 1;
    this.#priorBeta = options.priorBeta ?? 0.01;
    if (!Number.isInteger(window) || window < 2 || !(this.#priorAlpha >= 0) || !(this.#priorBeta >= 0)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', 'batch time model needs window >= 2 and non-negative priors', {
        details: { ...options },
      });
    }
    this.#rows = new Float64Array(window);
    this.#ms = new Float64Array(window);
    this.#alpha = this.#priorAlpha;
    this.#beta = this.#priorBeta;
  }

  /** A completed batch of `rows` rows took `ms` milliseconds of service time. */
  record(rows: number, ms: number): void {
    if (!(rows >= 1) || !(ms >= 0) || !Number.isFinite(rows) || !Number.isFinite(ms)) {
      throw new ScorerError('SCORER_ERR_INVARIANT', `invalid batch sample: ${rows} rows in ${ms} ms`);
    }
    const window = this.#rows.length;
    const slot = this.#next;
    if (this.#count === window) this.#add(this.#rows[slot]!, this.#ms[slot]!, -1);
    else this.#count++;
    this.#rows[slot] = rows;
    this.#ms[slot] = ms;
    this.#next = (slot + 1) % window;
    if (++this.#sinceRebuild >= window) this.#rebuild();
    else this.#add(rows, ms, 1);
    this.#stale = true;
  }

  /** Expected service time of a batch of `rows` rows, ms. */
  predict(rows: number): number {
    this.#refresh();
    return this.#alpha + this.#beta * rows;
  }

  /** The most rows whose predicted service time fits in `ms` (Infinity with no cost per row; may be below 1). */
  rowsWithin(ms: number): number {
    this.#refresh();
    // The epsilon keeps a fit that lands exactly on a row count (199.99999 for 200) from losing that row.
    return this.#beta > 0 ? Math.floor((ms - this.#alpha) / this.#beta + 1e-9) : Infinity;
  }

  /** Fixed cost per batch, ms; never negative. */
  get alpha(): number {
    this.#refresh();
    return this.#alpha;
  }

  /** Cost per row, ms; never negative. */
  get beta(): number {
    this.#refresh();
    return this.#beta;
  }

  /** Samples in the current fit (up to the window). */
  get samples(): number {
    return this.#count;
  }

  #add(x: number, y: number, sign: 1 | -1): void {
    this.#sx += sign * x;
    this.#sy += sign * y;
    this.#sxx += sign * x * x;
    this.#sxy += sign * x * y;
  }

  #rebuild(): void {
    this.#sx = this.#sy = this.#sxx = this.#sxy = 0;
    for (let i = 0; i < this.#count; i++) this.#add(this.#rows[i]!, this.#ms[i]!, 1);
    this.#sinceRebuild = 0;
  }

  #refresh(): void {
    if (!this.#stale) return;
    this.#stale = false;
    if (this.#count < this.#minSamples) return;
    const n = this.#count;
    const mx = this.#sx / n;
    const my = this.#sy / n;
    const varX = this.#sxx / n - mx * mx;
    if (varX <= 1e-9 * Math.max(1, mx * mx)) {
      // One batch size only (typical at low load): s(mx) is known, the split is not; keep the prior slope.
      this.#setFit(my - this.#priorBeta * mx, this.#priorBeta);
      return;
    }
    const beta = (this.#sxy / n - mx * my) / varX;
    if (beta < 0) this.#setFit(my, 0);
    else this.#setFit(my - beta * mx, beta);
  }

  /** Applies a fit, keeping both coefficients non-negative: a negative intercept refits through the origin. */
  #setFit(alpha: number, beta: number): void {
    if (alpha >= 0) {
      this.#alpha = alpha;
      this.#beta = beta;
    } else {
      this.#alpha = 0;
      this.#beta = Math.max(0, this.#sxy / this.#sxx); // rows >= 1, so sxx > 0
    }
  }
}
