/**
 * What each subject id of the suite is: which program, which model, which Kafka client, and the title
 * reports show. Titles name the client, since every figure of the issue is per client.
 */
import type { ClientName } from '../src/kafka/client.ts';
import { enrichOverlay } from './enrich-subject.ts';
import { flowOverlay, type SubjectTopics } from './flow-subject.ts';
import type { Stage } from './options.ts';
import type { DrainSubjectId, SubjectId } from './results.ts';
import type { SubjectKind } from './subject.ts';
import { TRACING_SAMPLING_RATIO, tracingOverlay } from './tracing-subject.ts';

export interface SubjectSpec {
  readonly kind: SubjectKind;
  readonly model: 'fraud' | 'heavy';
  /** The Kafka client; undefined: the scorer's default (kafka.client left unset). */
  readonly client: ClientName | undefined;
  readonly title: string;
  /** Laid over the scorer's generated config for a run on `topics` (scorer subjects only). */
  readonly scorer?: (topics: SubjectTopics, run: { readonly otlpUrl: string }) => Record<string, unknown>;
  /** The run starts a Redis of its own for the subject (bench/enrich-subject.ts), stopped with it. */
  readonly redis?: true;
}

export const SUBJECTS: Record<SubjectId, SubjectSpec> = {
  'w1-kafkajs': { kind: 'scorer', model: 'fraud', client: 'kafkajs', title: 'W1 scorer (kafkajs)' },
  'w1-platformatic': { kind: 'scorer', model: 'fraud', client: 'platformatic', title: 'W1 scorer (platformatic)' },
  'w1-eos-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: 'W1 scorer, exactly-once (platformatic)',
    scorer: () => ({ delivery: { guarantee: 'exactly-once' } }),
  },
  'w1-flow-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: 'W1 through a flow: hooks, A/B (platformatic)',
    scorer: flowOverlay,
  },
  'w1-traced-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: `W1 with tracing at ${TRACING_SAMPLING_RATIO * 100}% sampling (platformatic)`,
    scorer: (_topics, run) => tracingOverlay(run.otlpUrl),
  },
  'w1-enrich0-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: 'W1 with enrichment from Redis, 0% cache hits (platformatic)',
    scorer: enrichOverlay(0),
    redis: true,
  },
  'w1-enrich90-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: 'W1 with enrichment from Redis, 90% cache hits (platformatic)',
    scorer: enrichOverlay(90),
    redis: true,
  },
  w2: { kind: 'scorer', model: 'heavy', client: undefined, title: 'W2 scorer (heavy MLP, default client)' },
  'passthrough-kafkajs': { kind: 'passthrough', model: 'fraud', client: 'kafkajs', title: 'pass-through (kafkajs)' },
  'passthrough-platformatic': { kind: 'passthrough', model: 'fraud', client: 'platformatic', title: 'pass-through (platformatic)' },
  naive: { kind: 'naive', model: 'fraud', client: 'kafkajs', title: 'naive scorer (kafkajs eachMessage)' },
};

/** The scorer's default client (src/config/schema.ts): the W1 subject the fixed-rate and burst stages use. */
export const DEFAULT_CLIENT: ClientName = 'platformatic';

export const CLIENTS: readonly ClientName[] = ['kafkajs', 'platformatic'];

export function w1Of(client: ClientName): 'w1-kafkajs' | 'w1-platformatic' {
  return client === 'kafkajs' ? 'w1-kafkajs' : 'w1-platformatic';
}

export function passthroughOf(client: ClientName): 'passthrough-kafkajs' | 'passthrough-platformatic' {
  return client === 'kafkajs' ? 'passthrough-kafkajs' : 'passthrough-platformatic';
}

/** W1 with delivery.guarantee exactly-once, on the client that offers it: its cost is taken against W1. */
export const EXACTLY_ONCE_W1 = 'w1-eos-platformatic';

/** W1 through a flow (bench/flow-subject.ts): its cost is taken against plain W1 on the same client. */
export const FLOW_W1 = 'w1-flow-platformatic';

/** W1 with tracing on (bench/tracing-subject.ts): its cost is taken against plain W1 on the same client. */
export const TRACED_W1 = 'w1-traced-platformatic';

/** W1 with enrichment from Redis at 0% and 90% cache hits (bench/enrich-subject.ts), taken against plain W1 on platformatic. */
export const ENRICH_W1 = ['w1-enrich0-platformatic', 'w1-enrich90-platformatic'] as const;

/**
 * One drain rotation, in order: each client's W1 next to its pass-through; on platformatic, traced W1,
 * W1 through a flow, W1 with enrichment and exactly-once W1 right after W1, the subject their ratios are
 * taken against.
 */
export const DRAIN_ROTATION: readonly DrainSubjectId[] = CLIENTS.flatMap((client) =>
  client === 'platformatic' ? [w1Of(client), TRACED_W1, FLOW_W1, ...ENRICH_W1, EXACTLY_ONCE_W1, passthroughOf(client)] : [w1Of(client), passthroughOf(client)],
);

/**
 * The sustainable-rate searches of one repetition, for the stages asked: W2, each client's pass-through
 * then its W1 (W1 through a flow right after W1 on the flow's client), the naive scorer.
 */
export function sustainOrder(stages: readonly Stage[]): SubjectId[] {
  const has = (stage: Stage) => stages.includes(stage);
  const order: SubjectId[] = [];
  if (has('w2')) order.push('w2');
  for (const client of CLIENTS) {
    if (has('passthrough')) order.push(passthroughOf(client));
    if (has('w1')) order.push(w1Of(client));
    if (has('flow') && SUBJECTS[FLOW_W1].client === client) order.push(FLOW_W1);
  }
  if (has('naive')) order.push('naive');
  return order;
}
