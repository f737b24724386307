/**
 * The per-event cost breakdown of a profiled drain (scripts/profile.sh writes its inputs):
 *
 *   node devtools/profile-breakdown.ts DIR
 *
 * DIR holds the .cpuprofile of every thread and window.json: the predictions counted, the monotonic
 * clock and each thread's CPU ticks (/proc/<pid>/task) when 10% and 90% of the drain were out. CPU per
 * event comes from the ticks, per kind of thread (the main thread, the inference workers, V8's helper
 * threads, the rest; the profiler's own threads are shown apart and left out of the total); each JS
 * thread's time is split by stage from its profile's samples inside the window
 * (devtools/profile-stages.ts). Prints a table and writes breakdown.json and flame.svg (the main
 * thread's flame graph over the window) into DIR.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flameGraph } from './flame-graph.ts';
import { type Frame, STAGES, type Stage, stageOf } from './profile-stages.ts';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: Frame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Stamp {
  readonly predicted: number;
  readonly monotonicUs: number;
  /** "tid name ticks;" per thread. */
  readonly threads: string;
}

type ThreadKind = 'main thread' | 'inference workers' | 'V8 helper threads' | 'other threads' | 'profiler threads';

const CLOCK_TICKS_PER_SECOND = 100;

function kindOf(name: string): ThreadKind {
  if (name === 'MainThread') return 'main thread';
  if (name === 'WorkerThread') return 'inference workers';
  if (name === 'V8Worker') return 'V8 helper threads';
  // --cpu-prof's own sampling thread, one per JS thread: a cost of profiling, which production never pays.
  if (name === 'v8:ProfEvntProc') return 'profiler threads';
  return 'other threads';
}

function ticksByKind(stamp: Stamp): Map<ThreadKind, number> {
  const out = new Map<ThreadKind, number>();
  for (const entry of stamp.threads.split(';').filter((e) => e.trim() !== '')) {
    const [, name = '', ticks = '0'] = entry.trim().split(' ');
    const kind = kindOf(name);
    out.set(kind, (out.get(kind) ?? 0) + Number(ticks));
  }
  return out;
}

/** Time (µs) per stage of the samples taken inside [fromUs, toUs], idle left out; and the stacks. */
function stageTimes(profile: CpuProfile, fromUs: number, toUs: number): { times: Map<Stage, number>; stacks: [string[], number][] } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const stackOf = new Map<number, Frame[]>();
  const framesOf = (id: number): Frame[] => {
    let stack = stackOf.get(id);
    if (stack === undefined) {
      stack = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push((nodes.get(cur) as ProfileNode).callFrame);
      stackOf.set(id, stack);
    }
    return stack;
  };
  const times = new Map<Stage, number>();
  const stacks: [string[], number][] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) return;
    const stack = framesOf(id);
    const stage = stageOf(stack);
    if (stage === 'idle') return;
    times.set(stage, (times.get(stage) ?? 0) + dt);
    stacks.push([stack.map((f) => `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}`).reverse(), dt]);
  });
  return { times, stacks };
}

function main(dir: string): void {
  const window = JSON.parse(readFileSync(join(dir, 'window.json'), 'utf8')) as { start: Stamp; end: Stamp };
  const events = window.end.predicted - window.start.predicted;
  const [t0, t1] = [ticksByKind(window.start), ticksByKind(window.end)];
  const usPerEvent = (kind: ThreadKind) => (((t1.get(kind) ?? 0) - (t0.get(kind) ?? 0)) / CLOCK_TICKS_PER_SECOND / events) * 1e6;
  // Node names a profile CPU.<date>.<time>.<pid>.<thread id>.<n>.cpuprofile; thread 0 is the main one.
  const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const byKind = new Map<ThreadKind, Map<Stage, number>>();
  let mainStacks: [string[], number][] = [];
  for (const file of profiles) {
    const kind: ThreadKind = file.split('.')[4] === '0' ? 'main thread' : 'inference workers';
    const { times, stacks } = stageTimes(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window.start.monotonicUs, window.end.monotonicUs);
    if (kind === 'main thread') mainStacks = stacks;
    const merged = byKind.get(kind) ?? new Map<Stage, number>();
    for (const [stage, t] of times) merged.set(stage, (merged.get(stage) ?? 0) + t);
    byKind.set(kind, merged);
  }
  const split = (kind: ThreadKind): Map<Stage, number> => {
    const times = byKind.get(kind) ?? new Map<Stage, number>();
    const busy = [...times.values()].reduce((a, b) => a + b, 0);
    const cpu = usPerEvent(kind);
    return new Map([...times].map(([stage, t]) => [stage, busy > 0 ? (cpu * t) / busy : 0]));
  };
  const main = split('main thread');
  const workers = split('inference workers');
  const rows = STAGES.map((stage) => [stage, main.get(stage) ?? 0, workers.get(stage) ?? 0] as const).filter(([, m, w]) => m + w >= 0.05);
  const helpers = usPerEvent('V8 helper threads');
  const others = usPerEvent('other threads');
  const profiler = usPerEvent('profiler threads');
  const total = usPerEvent('main thread') + usPerEvent('inference workers') + helpers + others;
  const f = (x: number) => x.toFixed(2).padStart(8);
  const lines = [
    `events in the window: ${events}; CPU per event ${total.toFixed(1)} µs (main thread ${usPerEvent('main thread').toFixed(1)}, inference workers ${usPerEvent('inference workers').toFixed(1)}, V8 helper threads ${helpers.toFixed(1)}, other threads ${others.toFixed(1)}; the profiler's own threads, left out, ${profiler.toFixed(1)})`,
    `${'stage'.padEnd(34)}${'main'.padStart(8)}${'workers'.padStart(8)}   (µs of CPU per event)`,
    ...rows.map(([stage, m, w]) => `${stage.padEnd(34)}${f(m)}${f(w)}`),
    `${'V8 helper threads (GC, compiler)'.padEnd(34)}${f(helpers)}`,
    `${'other threads (libuv, ...)'.padEnd(34)}${f(others)}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const breakdown = {
    events,
    totalUsPerEvent: total,
    threads: { main: usPerEvent('main thread'), workers: usPerEvent('inference workers'), helpers, others, profiler },
    stages: Object.fromEntries(rows.map(([s, m, w]) => [s, { main: m, workers: w }])),
  };
  writeFileSync(join(dir, 'breakdown.json'), `${JSON.stringify(breakdown, null, 2)}\n`);
  writeFileSync(join(dir, 'flame.svg'), flameGraph(mainStacks, 'main thread, steady part of the drain'));
}

main(process.argv[2] ?? '.');
