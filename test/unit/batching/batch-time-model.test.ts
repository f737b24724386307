import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchTimeModel } from '../../../src/batching/batch-time-model.ts';
import { isScorerError } from '../../../src/errors.ts';
import { seededRandom } from '../../support/seeded-random.ts';

const close = (actual: number, expected: number, tolerance: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} not within ${tolerance} of ${expected}`);

describe('BatchTimeModel', () => {
  it('uses the priors until it has enough samples', () => {
    const model = new BatchTimeModel();
    assert.deepEqual([model.alpha, model.beta, model.samples], [1, 0.01, 0]);
    assert.equal(model.predict(100), 2);
    model.record(10, 50);
    model.record(20, 90);
    assert.deepEqual([model.alpha, model.beta, model.samples], [1, 0.01, 2]);
    const custom = new BatchTimeModel({ priorAlpha: 3, priorBeta: 0.5 });
    assert.equal(custom.predict(10), 8);
  });

  it('recovers an exact line', () => {
    const model = new BatchTimeModel();
    for (const rows of [1, 8, 64, 256, 32, 100]) model.record(rows, 2 + 0.05 * rows);
    close(model.alpha, 2, 1e-9, 'alpha');
    close(model.beta, 0.05, 1e-12, 'beta');
    close(model.predict(1000), 52, 1e-6, 'predict');
  });

  it('says how many rows fit a service time, and that any number does when rows cost nothing', () => {
    const model = new BatchTimeModel();
    for (const rows of [1, 8, 64, 256]) model.record(rows, 2 + 0.05 * rows);
    assert.equal(model.rowsWithin(12), 200);
    assert.ok(model.rowsWithin(1) < 1, 'below the fixed cost no row fits');
    const flat = new BatchTimeModel({ priorBeta: 0 });
    assert.equal(flat.rowsWithin(5), Infinity);
  });

  it('fits noisy samples by least squares', () => {
    const random = seededRandom(7);
    const model = new BatchTimeModel();
    for (let i = 0; i < 100; i++) {
      const rows = 1 + Math.floor(random() * 256);
      model.record(rows, 3 + 0.02 * rows + (random() - 0.5));
    }
    close(model.alpha, 3, 0.3, 'alpha');
    close(model.beta, 0.02, 0.002, 'beta');
  });

  it('forgets batches older than its window', () => {
    const model = new BatchTimeModel({ window: 10 });
    for (let i = 0; i < 10; i++) model.record(1 + i * 10, 5 + 1 * (1 + i * 10)); // slow regime
    for (let i = 0; i < 10; i++) model.record(1 + i * 10, 1 + 0.1 * (1 + i * 10)); // after a faster model version
    close(model.alpha, 1, 1e-9, 'alpha');
    close(model.beta, 0.1, 1e-12, 'beta');
  });

  it('does not drift over many samples (running sums are rebuilt per window)', () => {
    const random = seededRandom(11);
    const model = new BatchTimeModel({ window: 50 });
    const fresh = new BatchTimeModel({ window: 50 });
    const samples: Array<[number, number]> = [];
    for (let i = 0; i < 20_037; i++) {
      const rows = 1 + Math.floor(random() * 512);
      samples.push([rows, 0.7 + 0.013 * rows + random() * 3]);
    }
    for (const [rows, ms] of samples) model.record(rows, ms);
    for (const [rows, ms] of samples.slice(-50)) fresh.record(rows, ms);
    close(model.alpha, fresh.alpha, 1e-9, 'alpha');
    close(model.beta, fresh.beta, 1e-12, 'beta');
  });

  it('never returns a negative slope: bigger batches that ran faster give beta 0 and alpha the mean', () => {
    const model = new BatchTimeModel();
    model.record(10, 9);
    model.record(20, 8);
    model.record(30, 7);
    assert.deepEqual([model.alpha, model.beta], [8, 0]);
  });

  it('never returns a negative intercept: refits through the origin', () => {
    const model = new BatchTimeModel();
    model.record(10, 1);
    model.record(20, 10);
    model.record(30, 19);
    assert.equal(model.alpha, 0);
    close(model.beta, (10 * 1 + 20 * 10 + 30 * 19) / (100 + 400 + 900), 1e-12, 'beta');
  });

  it('splits a single batch size with the prior slope, and through the origin when that goes negative', () => {
    const model = new BatchTimeModel({ priorBeta: 0.01 });
    for (let i = 0; i < 5; i++) model.record(1, 0.5);
    close(model.alpha, 0.49, 1e-12, 'alpha');
    close(model.beta, 0.01, 1e-12, 'beta');
    const wide = new BatchTimeModel({ priorBeta: 0.01 });
    for (let i = 0; i < 5; i++) wide.record(100, 0.5);
    assert.equal(wide.alpha, 0);
    close(wide.beta, 0.005, 1e-12, 'beta');
  });

  it('rejects invalid samples and options', () => {
    const model = new BatchTimeModel();
    const invariant = (err: unknown): boolean => isScorerError(err, 'SCORER_ERR_INVARIANT');
    for (const [rows, ms] of [
      [0, 1],
      [1, -1],
      [Number.NaN, 1],
      [1, Number.POSITIVE_INFINITY],
    ] as const) {
      assert.throws(() => model.record(rows, ms), invariant, `${rows} rows in ${ms} ms`);
    }
    assert.throws(() => new BatchTimeModel({ window: 1 }), invariant);
    assert.throws(() => new BatchTimeModel({ priorBeta: -1 }), invariant);
    assert.equal(model.samples, 0);
  });
});
