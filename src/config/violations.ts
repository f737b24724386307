/** Collects configuration violations with their paths and turns them into one ScorerError. */
import { ScorerError } from '../errors.ts';

export interface Violation {
  /** Dotted setting path (`inputs[0].topic`), or the environment variable's name for a stray one. */
  readonly path: string;
  readonly message: string;
}

/** Where a value came from, when not from the file: an environment variable name. */
export type SourceOf = (path: string) => string | undefined;

const MAX_SHOWN = 60;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

export class Violations {
  readonly list: Violation[] = [];
  readonly #sourceOf: SourceOf;

  constructor(sourceOf: SourceOf = () => undefined) {
    this.#sourceOf = sourceOf;
  }

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  /** A violation that quotes the offending value and, for overrides, the variable that set it. */
  addValue(path: string, message: string, value: unknown, note?: string): void {
    const source = this.#sourceOf(path);
    const from = source === undefined ? '' : ` from ${source}`;
    this.add(path, `${message} (got ${show(value)}${from}${note === undefined ? '' : `; ${note}`})`);
  }

  /** True when no violation concerns `path`, its ancestors or its descendants. */
  ok(path: string): boolean {
    return !this.list.some((v) => related(v.path, path));
  }

  toError(origin: string): ScorerError {
    const lines = this.list.map((v) => `  ${v.path}: ${v.message}`);
    const count = this.list.length === 1 ? '1 problem' : `${this.list.length} problems`;
    return new ScorerError('SCORER_ERR_CONFIG', `invalid configuration (${origin}), ${count}:\n${lines.join('\n')}`, {
      details: { violations: this.list.map((v) => ({ ...v })) },
    });
  }
}

function related(a: string, b: string): boolean {
  return a === b || isUnder(a, b) || isUnder(b, a);
}

function isUnder(path: string, ancestor: string): boolean {
  return path.startsWith(ancestor) && (path[ancestor.length] === '.' || path[ancestor.length] === '[');
}
