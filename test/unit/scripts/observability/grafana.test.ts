import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grafanaDashboard, type PanelSpec } from '../../../../scripts/observability/grafana.ts';

interface Placed {
  type: string;
  id: number;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { refId: string; expr: string; legendFormat: string }[];
}

const panel = (title: string, width?: number): PanelSpec => ({
  title,
  description: `${title}, described`,
  unit: 's',
  queries: [
    { expr: 'a', legend: '{{x}}' },
    { expr: 'b', legend: 'b' },
  ],
  ...(width === undefined ? {} : { width }),
});

function layout(): Placed[] {
  const dashboard = grafanaDashboard({
    uid: 'u',
    title: 't',
    rows: [
      { title: 'One', panels: [panel('a'), panel('b'), panel('c', 8)] },
      { title: 'Two', panels: [panel('d', 24)] },
    ],
  });
  return dashboard['panels'] as Placed[];
}

test('rows stack top to bottom; panels fill 24 columns left to right and wrap', () => {
  const at = Object.fromEntries(layout().map((p) => [p.title, p.gridPos]));
  assert.deepEqual(at['One'], { h: 1, w: 24, x: 0, y: 0 });
  assert.deepEqual(at['a'], { h: 8, w: 12, x: 0, y: 1 });
  assert.deepEqual(at['b'], { h: 8, w: 12, x: 12, y: 1 });
  assert.deepEqual(at['c'], { h: 8, w: 8, x: 0, y: 9 });
  assert.deepEqual(at['Two'], { h: 1, w: 24, x: 0, y: 17 });
  assert.deepEqual(at['d'], { h: 8, w: 24, x: 0, y: 18 });
});

test('panels have unique ids, and one target per query with refIds A, B, ... and the legend', () => {
  const panels = layout();
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
  const a = panels.find((p) => p.title === 'a');
  assert.deepEqual(
    a?.targets?.map((t) => [t.refId, t.expr, t.legendFormat]),
    [
      ['A', 'a', '{{x}}'],
      ['B', 'b', 'b'],
    ],
  );
});
