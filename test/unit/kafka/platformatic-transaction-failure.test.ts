/**
 * How the platformatic adapter reads a transaction step's error: an epoch that is over is 'fenced' from
 * a transaction's steps (the coordinator may have timed the transaction out) and 'fatal' from a
 * registration (the coordinator refused the id: another producer holds it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transactionFailureOf } from '../../../src/kafka/platformatic/transaction.ts';

/** The shape the library rejects with: a wrapper whose `errors` hold a response error whose `errors` hold protocol errors. */
function libraryError(apiId: string, canRetry = false): Error {
  const protocol = Object.assign(new Error(apiId), { apiId, canRetry });
  const response = Object.assign(new Error('Received response with error'), { errors: [protocol] });
  return Object.assign(new Error('Producing messages failed.'), { errors: [response] });
}

describe('platformatic transaction failures', () => {
  it('PRODUCER_FENCED and INVALID_PRODUCER_EPOCH: fenced from a step, fatal from a registration', () => {
    for (const id of ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH']) {
      assert.equal(transactionFailureOf(libraryError(id), false), 'fenced', id);
      assert.equal(transactionFailureOf(libraryError(id), true), 'fatal', id);
    }
  });

  it('a refused transactional id is fatal from any step; a generation that is over is rejected', () => {
    assert.equal(transactionFailureOf(libraryError('TRANSACTIONAL_ID_AUTHORIZATION_FAILED'), false), 'fatal');
    assert.equal(transactionFailureOf(libraryError('ILLEGAL_GENERATION'), false), 'rejected');
    assert.equal(transactionFailureOf(libraryError('CONCURRENT_TRANSACTIONS', true), false), 'unknown');
  });
});
