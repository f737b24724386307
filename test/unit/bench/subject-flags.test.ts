import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerList, FlagError, httpUrl, oneOf, positiveInt, positiveIntList } from '../../../bench/subjects/flags.ts';

function flagError(pattern: RegExp) {
  return (error: unknown) => error instanceof FlagError && pattern.test(error.message);
}

test('positiveInt takes digits only and names the flag otherwise', () => {
  assert.equal(positiveInt('threads', '2'), 2);
  for (const bad of ['0', '-1', '1.5', '2x', '', ' 2']) assert.throws(() => positiveInt('threads', bad), flagError(/^--threads must be a positive integer/));
});

test('positiveIntList splits on commas and rejects empty items', () => {
  assert.deepEqual(positiveIntList('batch-sizes', '64, 256,1024'), [64, 256, 1024]);
  assert.throws(() => positiveIntList('batch-sizes', '64,,256'), flagError(/^--batch-sizes must be a comma-separated list/));
  assert.throws(() => positiveIntList('batch-sizes', '64,0'), flagError(/^--batch-sizes must be a positive integer, got "0"/));
});

test('oneOf lists the choices', () => {
  assert.equal(oneOf('model', 'fraud', ['fraud', 'heavy'] as const), 'fraud');
  assert.throws(() => oneOf('model', 'Fraud', ['fraud', 'heavy'] as const), flagError(/^--model must be one of fraud, heavy, got "Fraud"$/));
});

test('brokerList wants host:port items', () => {
  assert.deepEqual(brokerList('brokers', 'a:9092,b:9093'), ['a:9092', 'b:9093']);
  for (const bad of ['a', 'a:', 'a:9092,', 'a:port']) assert.throws(() => brokerList('brokers', bad), flagError(/^--brokers must be host:port/));
});

test('httpUrl accepts http and https only', () => {
  assert.equal(httpUrl('registry', 'https://registry:8081'), 'https://registry:8081');
  for (const bad of ['registry:8081', 'ftp://registry', 'nonsense'])
    assert.throws(() => httpUrl('registry', bad), flagError(/^--registry must be an http\(s\) URL/));
});
