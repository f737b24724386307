/** Predicates for assert.throws / assert.rejects that pin an error's class, code and message. */

import assert from 'node:assert/strict';
import type { DlqReason, ErrorCode } from '../../../src/errors.ts';
import { RecordError, ScorerError } from '../../../src/errors.ts';

export function recordError(reason: DlqReason, message?: RegExp): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof RecordError, `expected a RecordError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  };
}

export function scorerError(code: ErrorCode, retryable: boolean): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof ScorerError, `expected a ScorerError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.retryable, retryable);
    return true;
  };
}
