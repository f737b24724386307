/** The watcher's rule: a new version loads once complete and unchanged for stableMs, once per state of its files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FileStat, isComplete, type VersionListing, VersionWatch } from '../../../src/models/version-watch.ts';

const file = (size: number, mtimeMs = 1): FileStat => ({ size, mtimeMs });
const version = (v: number, files: Record<string, FileStat>): VersionListing => ({ version: v, files: new Map(Object.entries(files)) });
const COMPLETE = { 'config.yaml': file(10), 'model.onnx': file(500) };

test('complete means config.yaml and a graph, or the hooks of a heuristic model', () => {
  assert.equal(isComplete(new Map(Object.entries(COMPLETE))), true);
  assert.equal(isComplete(new Map(Object.entries({ 'config.yaml': file(1), 'hooks.ts': file(1) }))), true);
  assert.equal(isComplete(new Map(Object.entries({ 'model.onnx': file(1) }))), false);
  assert.equal(isComplete(new Map(Object.entries({ 'config.yaml': file(1), 'golden.json': file(1) }))), false);
});

test('a version loads only once its files have been unchanged for stableMs', () => {
  const watch = new VersionWatch(1000);
  assert.equal(watch.observe('fraud', 1, [version(1, COMPLETE), version(2, COMPLETE)], 0), undefined, 'first seen');
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE)], 999), undefined, 'not yet stable');
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE)], 1000), 2);
});

test('a file still growing restarts the wait; an incomplete directory never loads', () => {
  const watch = new VersionWatch(1000);
  watch.observe('fraud', 1, [version(2, { 'config.yaml': file(10), 'model.onnx': file(100) })], 0);
  assert.equal(watch.observe('fraud', 1, [version(2, { 'config.yaml': file(10), 'model.onnx': file(300) })], 1500), undefined, 'grew');
  assert.equal(watch.observe('fraud', 1, [version(2, { 'config.yaml': file(10), 'model.onnx': file(300) })], 2499), undefined);
  assert.equal(watch.observe('fraud', 1, [version(2, { 'config.yaml': file(10), 'model.onnx': file(300) })], 2500), 2);
  const partial = new VersionWatch(10);
  partial.observe('fraud', 1, [version(2, { 'config.yaml': file(10) })], 0);
  assert.equal(partial.observe('fraud', 1, [version(2, { 'config.yaml': file(10) })], 5000), undefined);
});

test('a touched file (same size, new mtime) counts as a change', () => {
  const watch = new VersionWatch(100);
  watch.observe('fraud', 1, [version(2, { ...COMPLETE, 'model.onnx': file(500, 1) })], 0);
  assert.equal(watch.observe('fraud', 1, [version(2, { ...COMPLETE, 'model.onnx': file(500, 2) })], 100), undefined);
  assert.equal(watch.observe('fraud', 1, [version(2, { ...COMPLETE, 'model.onnx': file(500, 2) })], 200), 2);
});

test('only versions above the served one, the highest first', () => {
  const watch = new VersionWatch(0);
  assert.equal(watch.observe('fraud', 3, [version(1, COMPLETE), version(2, COMPLETE), version(3, COMPLETE)], 0), undefined);
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE), version(4, COMPLETE), version(3, COMPLETE)], 0), 4);
});

test('a version tried is not offered again until its files change; then a lower untried one is', () => {
  const watch = new VersionWatch(0);
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE), version(3, COMPLETE)], 0), 3);
  watch.tried('fraud', 3);
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE), version(3, COMPLETE)], 10), 2, 'the broken 3 is skipped, 2 is next');
  watch.tried('fraud', 2);
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE), version(3, COMPLETE)], 20), undefined, 'both tried as they are');
  assert.equal(watch.observe('fraud', 1, [version(2, COMPLETE), version(3, { ...COMPLETE, 'model.onnx': file(501) })], 30), 3, 'fixed in place');
});

test('models are watched apart', () => {
  const watch = new VersionWatch(0);
  watch.observe('fraud', 1, [version(2, COMPLETE)], 0);
  watch.tried('fraud', 2);
  assert.equal(watch.observe('heavy', 1, [version(2, COMPLETE)], 0), 2);
});
