/**
 * A flame graph as an SVG any browser opens: stacks (root first) with the time spent in each, merged
 * into a tree, every frame a box as wide as its share of the time, callers below their callees.
 * Frames under 0.2% of the total are left out so the picture stays readable.
 */

interface Node {
  readonly name: string;
  time: number;
  readonly children: Map<string, Node>;
}

const WIDTH = 1600;
const ROW = 17;
const MIN_SHARE = 0.002;

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/** Warm colours by name, stable across runs: the same function has the same colour in every graph. */
function colour(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return `hsl(${10 + (h % 45)}, ${70 + (h % 20)}%, ${55 + (h % 15)}%)`;
}

function tree(stacks: readonly (readonly [readonly string[], number])[]): Node {
  const root: Node = { name: 'all', time: 0, children: new Map() };
  for (const [stack, time] of stacks) {
    root.time += time;
    let node = root;
    for (const name of stack) {
      let child = node.children.get(name);
      if (child === undefined) {
        child = { name, time: 0, children: new Map() };
        node.children.set(name, child);
      }
      child.time += time;
      node = child;
    }
  }
  return root;
}

export function flameGraph(stacks: readonly (readonly [readonly string[], number])[], title: string): string {
  const root = tree(stacks);
  const boxes: string[] = [];
  let depth = 0;
  const place = (node: Node, x: number, level: number) => {
    if (root.time === 0 || node.time / root.time < MIN_SHARE) return;
    depth = Math.max(depth, level);
    const width = (node.time / root.time) * WIDTH;
    const label = width > 40 ? escapeXml(node.name).slice(0, Math.floor(width / 7)) : '';
    const share = ((100 * node.time) / root.time).toFixed(1);
    boxes.push(
      `<g><title>${escapeXml(node.name)} (${share}%)</title><rect x="${x.toFixed(1)}" y="LEVEL${level}" width="${width.toFixed(1)}" height="${ROW - 1}" fill="${colour(node.name)}"/><text x="${(x + 3).toFixed(1)}" y="TEXT${level}" font-size="11" font-family="monospace">${label}</text></g>`,
    );
    let cx = x;
    for (const child of [...node.children.values()].sort((a, b) => b.time - a.time)) {
      place(child, cx, level + 1);
      cx += (child.time / root.time) * WIDTH;
    }
  };
  place(root, 0, 0);
  const height = (depth + 2) * ROW + 20;
  const body = boxes
    .join('\n')
    .replace(/LEVEL(\d+)/g, (_, l) => String(height - (Number(l) + 1) * ROW))
    .replace(/TEXT(\d+)/g, (_, l) => String(height - (Number(l) + 1) * ROW + 12));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}"><rect width="100%" height="100%" fill="#fff"/><text x="4" y="14" font-size="13" font-family="sans-serif">${escapeXml(title)}; hover a box for its share</text>\n${body}\n</svg>\n`;
}
