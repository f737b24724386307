import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeXml, renderChart } from '../../../loadgen/chart.ts';
import { parseProfile } from '../../../loadgen/profile.ts';
import type { LatencySummary, LoadResult, TimelinePoint } from '../../../loadgen/types.ts';

const LATENCY: LatencySummary = { count: 900, mean: 4, p50: 3.2, p90: 6.5, p99: 18.4, p999: 40.2, max: 120 };

function point(t: number, extra: Partial<TimelinePoint> = {}): TimelinePoint {
  return { t, targetRate: 100, sent: 100, received: 99, duplicates: 0, outstanding: 3, p50Ms: 2 + t, p99Ms: 9 + t, maxMs: 30 + t, ...extra };
}

function result(timeline: readonly TimelinePoint[], overrides: Partial<LoadResult> = {}): LoadResult {
  const profile = parseProfile('100@5s,max@5s');
  return {
    startedAt: '2025-03-03T09:00:00.000Z',
    options: { inputTopic: 'in', outputTopic: 'out', format: 'json', profile, keys: { kind: 'uniform' }, accounts: 100, seed: 1, warmupMs: 2000 },
    durationMs: 12_000,
    sent: 1000,
    sendErrors: 0,
    received: 1000,
    distinct: 1000,
    duplicates: 0,
    missing: 0,
    throughput: 99.5,
    latency: LATENCY,
    phases: profile.phases.map((p) => ({ rate: p.rate, durationMs: p.durationMs, sent: 500, achievedSendRate: 100, latency: LATENCY })),
    lag: { peakOutstanding: 3, drainMs: 10 },
    timeline,
    ...overrides,
  };
}

/** Tag names in document order, checked for nesting; throws on an unbalanced document. */
function checkBalanced(svg: string): string[] {
  const stack: string[] = [];
  const seen: string[] = [];
  for (const [, close, name, selfClose] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^<>]*?(\/?)>/g)) {
    if (close === '/') assert.equal(stack.pop(), name, `closing </${name}>`);
    else {
      seen.push(name ?? '');
      if (selfClose !== '/') stack.push(name ?? '');
    }
  }
  assert.deepEqual(stack, [], 'every element is closed');
  // Nothing that looks like markup is left outside tags: text was escaped.
  assert.doesNotMatch(svg.replace(/<(\/?)([a-zA-Z]+)[^<>]*?(\/?)>/g, ''), /[<>]/);
  return seen;
}

/** data-series name → its path data. */
function seriesPaths(svg: string): Map<string, string[]> {
  const paths = new Map<string, string[]>();
  for (const [, name = '', d = ''] of svg.matchAll(/<path class="series" data-series="([^"]+)" d="([^"]*)"/g)) {
    paths.set(name, [...(paths.get(name) ?? []), d]);
  }
  return paths;
}

test('a full run renders a balanced SVG with one path per series', () => {
  const timeline = Array.from({ length: 12 }, (_, i) => point(i + 1, { groupLag: 5, rssMiB: 200 + i }));
  const svg = renderChart(result(timeline), 'W1 fraud');
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.endsWith('</svg>\n'));
  assert.equal(checkBalanced(svg)[0], 'svg');
  const paths = seriesPaths(svg);
  assert.deepEqual([...paths.keys()], ['p50', 'p99', 'max', 'target', 'sent', 'received', 'outstanding', 'groupLag', 'rss']);
  for (const [name, ds] of paths) assert.equal(ds.length, 1, name);
  // 12 points, pen down once: one M and 11 L.
  assert.equal(paths.get('p99')?.[0]?.match(/M/g)?.length, 1);
  assert.equal(paths.get('p99')?.[0]?.match(/L/g)?.length, 11);
  for (const label of ['1 ms', '10 ms', '100 ms', 'phase 2', 'warmup', 'drain', 'consumer group lag', 'Memory, MiB']) {
    assert.ok(svg.includes(`>${label}<`), label);
  }
  assert.equal(svg.match(/stroke-dasharray="4 4"/g)?.length, 2 * 4, 'two phase ends in each of four panels');
});

test('the target step line follows the profile and breaks at a max phase', () => {
  const svg = renderChart(result(Array.from({ length: 12 }, (_, i) => point(i + 1))), 't');
  const target = seriesPaths(svg).get('target')?.[0] ?? '';
  assert.match(target, /^M[\d.]+ [\d.]+L[\d.]+ [\d.]+$/, target);
});

test('null points leave gaps; a lone point is drawn as a dot', () => {
  const timeline = [point(1), point(2), point(3, { p99Ms: null }), point(4), point(5, { p99Ms: null }), point(6)];
  const p99 = seriesPaths(renderChart(result(timeline), 't')).get('p99')?.[0] ?? '';
  assert.equal(p99.match(/M/g)?.length, 3, p99);
  assert.equal(p99.match(/h0/g)?.length, 2, 'points 4 and 6 stand alone');
});

test('without group lag or rss those series and the memory panel are left out', () => {
  const svg = renderChart(result([point(1), point(2)]), 't');
  const names = [...seriesPaths(svg).keys()];
  assert.ok(!names.includes('groupLag') && !names.includes('rss'));
  assert.ok(!svg.includes('Memory, MiB'));
});

test('text is escaped for XML', () => {
  assert.equal(escapeXml(`<a href="x">Tom & Jerry's</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;');
  const svg = renderChart(result([point(1)]), 'W1 <fraud> & "friends"');
  assert.ok(svg.includes('W1 &lt;fraud&gt; &amp; &quot;friends&quot;'));
  checkBalanced(svg);
});

test('an empty timeline still renders axes and says so', () => {
  const svg = renderChart(result([], { latency: { ...LATENCY, count: 0 }, missing: 1000 }), 'empty');
  checkBalanced(svg);
  assert.ok(svg.includes('>no timeline data<'));
  assert.ok(svg.includes('fill="#c0392b" font-weight="bold">missing 1,000</tspan>'), 'missing is flagged');
  const paths = seriesPaths(svg);
  assert.equal(paths.get('p99')?.[0], '');
  assert.notEqual(paths.get('target')?.[0], '', 'the schedule is drawn even without data');
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
});

test('a run until stopped and all-null latency do not break the scales', () => {
  const profile = parseProfile('5000');
  const timeline = [point(1, { p50Ms: null, p99Ms: null, maxMs: null, sent: 0, received: 0, outstanding: 0 })];
  const base = result(timeline);
  const svg = renderChart(
    { ...base, options: { ...base.options, profile, warmupMs: 0 }, phases: [{ ...base.phases[0]!, rate: 5000, durationMs: Infinity }] },
    'forever',
  );
  checkBalanced(svg);
  assert.doesNotMatch(svg, /NaN|Infinity|undefined/);
  assert.ok(svg.includes('>1 s<'), 'the default latency scale reaches 1 s');
});
