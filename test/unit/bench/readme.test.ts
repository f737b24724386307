import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replaceBenchSection } from '../../../bench/readme.ts';

const BOTH = [
  'intro',
  '<!-- bench:begin -->',
  '<!-- bench:drain:begin -->',
  'old drain',
  '<!-- bench:drain:end -->',
  '',
  '<!-- bench:suite:begin -->',
  'old suite',
  '<!-- bench:suite:end -->',
  '<!-- bench:end -->',
  'outro',
  '',
].join('\n');

test('a run replaces the parts it measured and keeps the other', () => {
  const out = replaceBenchSection(BOTH, { drain: '| new drain |', suite: null }, 'bench/results/d.md');
  assert.equal(
    out,
    [
      'intro',
      '<!-- bench:begin -->',
      '<!-- bench:drain:begin -->',
      '| new drain |',
      '',
      'Full results: [bench/results/d.md](bench/results/d.md).',
      '<!-- bench:drain:end -->',
      '',
      '<!-- bench:suite:begin -->',
      'old suite',
      '<!-- bench:suite:end -->',
      '<!-- bench:end -->',
      'outro',
      '',
    ].join('\n'),
  );
  const again = replaceBenchSection(out, { suite: '| new suite |' }, 'bench/results/q.md');
  assert.match(again, /\| new drain \|[\s\S]*\| new suite \|\n\nFull results: \[bench\/results\/q\.md\]/);
  assert.doesNotMatch(again, /old/);
});

test('a section of the older layout (no part markers) is replaced whole', () => {
  const readme = 'intro\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\noutro\n';
  const out = replaceBenchSection(readme, { suite: '| new |' }, 'bench/results/x.md');
  assert.equal(
    out,
    'intro\n<!-- bench:begin -->\n<!-- bench:suite:begin -->\n| new |\n\nFull results: [bench/results/x.md](bench/results/x.md).\n<!-- bench:suite:end -->\n<!-- bench:end -->\noutro\n',
  );
  assert.throws(() => replaceBenchSection('no markers', { suite: 't' }, 'f'), /no <!-- bench:begin -->/);
});

test('the scale-out part comes after the others and is kept by runs that did not measure it', () => {
  const withScaleOut = replaceBenchSection(BOTH, { 'scale-out': '| scale |' }, 'bench/results/s.md');
  assert.match(withScaleOut, /old suite\n<!-- bench:suite:end -->\n\n<!-- bench:scale-out:begin -->\n\| scale \|\n\nFull results: \[bench\/results\/s\.md\]/);
  const drainOnly = replaceBenchSection(withScaleOut, { drain: '| drain |', suite: null, 'scale-out': null }, 'bench/results/d.md');
  assert.match(drainOnly, /\| drain \|[\s\S]*old suite[\s\S]*\| scale \|\n\nFull results: \[bench\/results\/s\.md\]/);
});
