/**
 * Every model's drift window, by modelId, made when the model's first counts arrive (a version loaded
 * by a hot reload included); a model without training statistics has none. Read when /metrics is
 * scraped, so nothing runs between scrapes but the additions.
 */
import type { Clock } from '../core/clock.ts';
import type { DriftCounts } from './bin-counter.ts';
import { DriftWindow, type DriftWindowOptions, type FeatureDrift } from './drift-window.ts';
import type { FeatureStats } from './feature-stats.ts';

export interface ModelDriftReading {
  readonly model: string;
  readonly features: readonly FeatureDrift[];
}

export class DriftMonitor {
  readonly #options: DriftWindowOptions;
  readonly #statsOf: (model: string) => FeatureStats | undefined;
  readonly #clock: Clock;
  readonly #windows = new Map<string, DriftWindow>();

  constructor(options: DriftWindowOptions, statsOf: (model: string) => FeatureStats | undefined, clock: Clock) {
    this.#options = options;
    this.#statsOf = statsOf;
    this.#clock = clock;
  }

  record(model: string, counts: DriftCounts): void {
    let window = this.#windows.get(model);
    if (window === undefined) {
      const stats = this.#statsOf(model);
      if (stats === undefined) return;
      window = new DriftWindow(stats, this.#options, this.#clock);
      this.#windows.set(model, window);
    }
    window.add(counts);
  }

  /** The models whose window holds enough rows, with every feature's drift. */
  read(): ModelDriftReading[] {
    const readings: ModelDriftReading[] = [];
    for (const [model, window] of this.#windows) {
      const features = window.read();
      if (features.length > 0) readings.push({ model, features });
    }
    return readings;
  }
}
