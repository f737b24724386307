/**
 * A load run as one standalone SVG, to open in a browser or attach to a report: latency per second on a
 * log scale, throughput against the target, outstanding events and group lag, and RSS when sampled, on a
 * shared time axis with the phase boundaries marked. Hand-written SVG: no dependency, no build step.
 */

import { describeKeys } from './keys.ts';
import type { PhaseWindow } from './profile.ts';
import { describeProfile, formatCount, formatMs, phaseWindows } from './profile.ts';
import type { LoadResult, TimelinePoint } from './types.ts';

const WIDTH = 1000;
const LEFT = 76;
const RIGHT = 24;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
/** Title and two subtitle lines. */
const TOP = 88;
/** The panel's title and legend, above its plot. */
const HEADER = 24;
/** The time tick labels under each plot, and the gap to the next panel. */
const FOOTER = 34;
const CHAR_WIDTH = 6.4;

const COLOR = {
  p50: '#2b83ba',
  p99: '#d7191c',
  max: '#f39c12',
  target: '#777777',
  sent: '#1a9641',
  received: '#7b3294',
  outstanding: '#e66101',
  groupLag: '#5e3c99',
  rss: '#444444',
  grid: '#e3e3e3',
  axis: '#999999',
  text: '#222222',
  muted: '#666666',
  bad: '#c0392b',
} as const;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

/** Coordinates to 0.1 px: enough for the eye, and a long run's file stays small. */
const num = (value: number): string => String(Math.round(value * 10) / 10);

/** A series in data coordinates: x in seconds, y in the panel's unit; null breaks the line. */
interface Series {
  readonly name: string;
  readonly label: string;
  readonly color: string;
  readonly dash?: string;
  readonly points: readonly (readonly [number, number | null])[];
}

interface Tick {
  readonly value: number;
  readonly label?: string;
}

interface YScale {
  readonly y: (value: number) => number;
  readonly ticks: readonly Tick[];
}

interface Panel {
  readonly title: string;
  readonly height: number;
  readonly series: readonly Series[];
  readonly scale: (top: number, bottom: number) => YScale;
}

function latencyLabel(ms: number): string {
  return ms >= 1000 ? `${formatCount(ms / 1000)} s` : `${ms} ms`;
}

/** Decades that cover the data, with unlabelled lines at 2× and 5×; 1 ms to 1 s when there is no data. */
function logScale(values: readonly number[]): (top: number, bottom: number) => YScale {
  const positive = values.filter((v) => v > 0);
  const lowExp = positive.length === 0 ? 0 : Math.max(-3, Math.floor(Math.log10(Math.min(...positive))));
  const highExp = positive.length === 0 ? 3 : Math.max(lowExp + 1, Math.ceil(Math.log10(Math.max(...positive))));
  const ticks: Tick[] = [];
  for (let exp = lowExp; exp <= highExp; exp++) {
    const decade = Number((10 ** exp).toPrecision(1));
    ticks.push({ value: decade, label: latencyLabel(decade) });
    if (exp < highExp) ticks.push({ value: 2 * decade }, { value: 5 * decade });
  }
  return (top, bottom) => ({
    ticks,
    y: (value) => {
      const exp = Math.log10(Math.max(value, 10 ** lowExp));
      return bottom - ((exp - lowExp) / (highExp - lowExp)) * (bottom - top);
    },
  });
}

/** 1, 2 or 5 × 10^k: the step that gives about `count` intervals up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
}

/** 1500 → "1.5k", 2000000 → "2M": tick labels stay short. */
function compact(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

function linearScale(values: readonly number[]): (top: number, bottom: number) => YScale {
  const dataMax = Math.max(0, ...values);
  const step = dataMax > 0 ? niceStep(dataMax, 4) : 1;
  const max = dataMax > 0 ? Math.ceil(dataMax / step) * step : 1;
  const ticks: Tick[] = [];
  for (let value = 0; value <= max + step / 2; value += step) ticks.push({ value, label: compact(value) });
  return (top, bottom) => ({ ticks, y: (value) => bottom - (value / max) * (bottom - top) });
}

/** Path data through the points, lifting the pen at nulls; a lone point becomes a dot (round caps). */
function pathData(points: readonly (readonly [number, number | null])[], x: (t: number) => number, y: (v: number) => number): string {
  const parts: string[] = [];
  let penDown = false;
  points.forEach(([t, value], i) => {
    if (value === null) {
      penDown = false;
      return;
    }
    parts.push(`${penDown ? 'L' : 'M'}${num(x(t))} ${num(y(value))}`);
    const next = points[i + 1];
    if (!penDown && (next === undefined || next[1] === null)) parts.push('h0');
    penDown = true;
  });
  return parts.join('');
}

const values = (series: readonly Series[]): number[] => series.flatMap((s) => s.points.map(([, v]) => v).filter((v): v is number => v !== null));

/** Each point is plotted mid-second: it covers [t − 1, t). */
function fromTimeline(
  timeline: readonly TimelinePoint[],
  name: string,
  label: string,
  color: string,
  value: (p: TimelinePoint) => number | null | undefined,
): Series {
  return { name, label, color, points: timeline.map((p) => [p.t - 0.5, value(p) ?? null] as const) };
}

/** The target rate as a step line from the profile; a 'max' phase has no target and breaks it. */
function targetSeries(result: LoadResult, endSeconds: number): Series {
  const points = phaseWindows(result.options.profile).flatMap((w): (readonly [number, number | null])[] => {
    const start = w.startMs / 1000;
    const end = Math.min(w.endMs / 1000, endSeconds);
    if (start >= endSeconds) return [];
    return w.rate === 'max'
      ? [[start, null]]
      : [
          [start, w.rate],
          [end, w.rate],
        ];
  });
  return { name: 'target', label: 'target rate', color: COLOR.target, dash: '6 3', points };
}

function panels(result: LoadResult, endSeconds: number): Panel[] {
  const tl = result.timeline;
  const latency = [
    fromTimeline(tl, 'p50', 'p50', COLOR.p50, (p) => p.p50Ms),
    fromTimeline(tl, 'p99', 'p99', COLOR.p99, (p) => p.p99Ms),
    fromTimeline(tl, 'max', 'max', COLOR.max, (p) => p.maxMs),
  ];
  const throughput = [
    targetSeries(result, endSeconds),
    fromTimeline(tl, 'sent', 'sent', COLOR.sent, (p) => p.sent),
    fromTimeline(tl, 'received', 'received', COLOR.received, (p) => p.received),
  ];
  const backlog = [fromTimeline(tl, 'outstanding', 'outstanding (sent, not yet predicted)', COLOR.outstanding, (p) => p.outstanding)];
  if (tl.some((p) => p.groupLag !== undefined)) {
    backlog.push(fromTimeline(tl, 'groupLag', 'consumer group lag', COLOR.groupLag, (p) => p.groupLag));
  }
  const list: Panel[] = [
    { title: 'Latency per second, ms (log scale)', height: 240, series: latency, scale: logScale(values(latency)) },
    { title: 'Events per second', height: 170, series: throughput, scale: linearScale(values(throughput)) },
    { title: 'Backlog, events', height: 140, series: backlog, scale: linearScale(values(backlog)) },
  ];
  if (tl.some((p) => p.rssMiB !== undefined)) {
    const rss = [fromTimeline(tl, 'rss', 'RSS of the process under test', COLOR.rss, (p) => p.rssMiB)];
    list.push({ title: 'Memory, MiB', height: 110, series: rss, scale: linearScale(values(rss)) });
  }
  return list;
}

/** Time ticks: a round step giving at most about 12 labels. */
function timeTicks(endSeconds: number): number[] {
  const step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find((s) => endSeconds / s <= 12) ?? 7200;
  return Array.from({ length: Math.floor(endSeconds / step) + 1 }, (_, i) => i * step);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attrs === '' ? '' : ` ${attrs}`}>${escapeXml(content)}</text>`;
}

function legend(x: number, y: number, series: readonly Series[]): string[] {
  const out: string[] = [];
  let at = x;
  for (const s of series) {
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`;
    out.push(`<line x1="${num(at)}" y1="${num(y - 4)}" x2="${num(at + 18)}" y2="${num(y - 4)}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(text(at + 22, y, s.label, `fill="${COLOR.text}"`));
    at += 22 + s.label.length * CHAR_WIDTH + 18;
  }
  return out;
}

interface Frame {
  readonly x: (seconds: number) => number;
  readonly ticks: readonly number[];
  /** Phase ends that fall inside the plot, seconds. */
  readonly boundaries: readonly number[];
  /** "phase 2", "drain"... at the start of each part of the run, when there is more than one. */
  readonly phaseLabels: readonly { readonly seconds: number; readonly text: string }[];
  readonly warmupSeconds: number;
}

/** Value and time gridlines with their labels, and the phase boundaries. */
function grid(scale: YScale, frame: Frame, plotTop: number, bottom: number): string[] {
  const out: string[] = [];
  for (const tick of scale.ticks) {
    const y = num(scale.y(tick.value));
    const stroke = tick.label === undefined ? '#f1f1f1' : COLOR.grid;
    out.push(`<line x1="${LEFT}" y1="${y}" x2="${LEFT + PLOT_WIDTH}" y2="${y}" stroke="${stroke}"/>`);
    if (tick.label !== undefined) out.push(text(LEFT - 6, scale.y(tick.value) + 4, tick.label, `text-anchor="end" fill="${COLOR.muted}"`));
  }
  for (const t of frame.ticks) {
    out.push(`<line x1="${num(frame.x(t))}" y1="${num(plotTop)}" x2="${num(frame.x(t))}" y2="${num(bottom)}" stroke="${COLOR.grid}"/>`);
    out.push(text(frame.x(t), bottom + 14, String(t), `text-anchor="middle" fill="${COLOR.muted}"`));
  }
  for (const seconds of frame.boundaries) {
    const x = num(frame.x(seconds));
    out.push(`<line x1="${x}" y1="${num(plotTop)}" x2="${x}" y2="${num(bottom)}" stroke="${COLOR.axis}" stroke-dasharray="4 4"/>`);
  }
  return out;
}

function renderPanel(panel: Panel, top: number, frame: Frame, isFirst: boolean): string[] {
  const plotTop = top + HEADER;
  const bottom = plotTop + panel.height;
  const scale = panel.scale(plotTop, bottom);
  const out = [text(LEFT, top + 14, panel.title, `font-weight="bold" fill="${COLOR.text}"`)];
  out.push(...legend(LEFT + panel.title.length * 7 + 28, top + 14, panel.series));
  if (frame.warmupSeconds > 0) {
    const w = frame.x(frame.warmupSeconds) - LEFT;
    out.push(`<rect x="${LEFT}" y="${num(plotTop)}" width="${num(w)}" height="${panel.height}" fill="#f2f2f2"/>`);
    if (isFirst) out.push(text(LEFT + 4, bottom - 6, 'warmup', `fill="${COLOR.muted}"`));
  }
  out.push(...grid(scale, frame, plotTop, bottom));
  if (isFirst) {
    for (const label of frame.phaseLabels) out.push(text(frame.x(label.seconds) + 4, plotTop + 12, label.text, `fill="${COLOR.muted}"`));
  }
  out.push(`<rect x="${LEFT}" y="${num(plotTop)}" width="${PLOT_WIDTH}" height="${panel.height}" fill="none" stroke="${COLOR.axis}"/>`);
  for (const s of panel.series) {
    const dash = s.dash === undefined ? '' : ` stroke-dasharray="${s.dash}"`;
    out.push(
      `<path class="series" data-series="${s.name}" d="${pathData(s.points, frame.x, scale.y)}" fill="none" stroke="${s.color}" ` +
        `stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round"${dash}/>`,
    );
  }
  return out;
}

/** The headline numbers, with missing and duplicates in red when not zero. */
function subtitle(result: LoadResult): string {
  const l = result.latency;
  const plain =
    `p50 ${formatMs(l.p50)} · p99 ${formatMs(l.p99)} · p99.9 ${formatMs(l.p999)} · max ${formatMs(l.max)} · ` +
    `throughput ${formatCount(result.throughput)}/s · sent ${formatCount(result.sent)} · `;
  const counted = (count: number, label: string): string =>
    `<tspan${count > 0 ? ` fill="${COLOR.bad}" font-weight="bold"` : ''}>${escapeXml(`${label} ${formatCount(count)}`)}</tspan>`;
  return (
    `<text x="${LEFT}" y="52" fill="${COLOR.text}">${escapeXml(plain)}${counted(result.missing, 'missing')}` +
    `${escapeXml(' · ')}${counted(result.duplicates, 'duplicates')}</text>`
  );
}

function phaseLabels(windows: readonly PhaseWindow[], endSeconds: number): Frame['phaseLabels'] {
  const labels = windows.length > 1 ? windows.map((w) => ({ seconds: w.startMs / 1000, text: `phase ${w.index + 1}` })) : [];
  const last = windows.at(-1);
  if (last !== undefined && last.endMs / 1000 < endSeconds) labels.push({ seconds: last.endMs / 1000, text: 'drain' });
  return labels.filter((label) => label.seconds < endSeconds);
}

export function renderChart(result: LoadResult, title: string): string {
  const tl = result.timeline;
  const windows = phaseWindows(result.options.profile);
  const scheduledEnd = windows.reduce((end, w) => (Number.isFinite(w.endMs) ? Math.max(end, w.endMs / 1000) : end), 0);
  const endSeconds = Math.max(1, tl.at(-1)?.t ?? 0, tl.length === 0 ? scheduledEnd : 0);
  const frame: Frame = {
    x: (seconds) => LEFT + (Math.min(Math.max(seconds, 0), endSeconds) / endSeconds) * PLOT_WIDTH,
    ticks: timeTicks(endSeconds),
    boundaries: windows.map((w) => w.endMs / 1000).filter((seconds) => seconds > 0 && seconds < endSeconds),
    phaseLabels: phaseLabels(windows, endSeconds),
    warmupSeconds: Math.min(result.options.warmupMs / 1000, endSeconds),
  };
  const o = result.options;
  const body: string[] = [
    text(LEFT, 28, title, `font-size="18" font-weight="bold" fill="${COLOR.text}"`),
    subtitle(result),
    text(
      LEFT,
      70,
      `${describeProfile(o.profile)} · ${o.format} · keys ${describeKeys(o.keys)} over ${formatCount(o.accounts)} accounts · started ${result.startedAt}`,
      `fill="${COLOR.muted}"`,
    ),
  ];
  let top = TOP;
  panels(result, endSeconds).forEach((panel, i) => {
    body.push(...renderPanel(panel, top, frame, i === 0));
    top += HEADER + panel.height + FOOTER;
  });
  body.push(text(LEFT + PLOT_WIDTH / 2, top - 6, 'seconds since the first scheduled event', `text-anchor="middle" fill="${COLOR.muted}"`));
  if (tl.length === 0)
    body.push(text(LEFT + PLOT_WIDTH / 2, TOP + HEADER + 120, 'no timeline data', `text-anchor="middle" font-size="16" fill="${COLOR.muted}"`));
  const height = top + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
