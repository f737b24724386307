/**
 * What each subject id of the suite is: which program, which model, which Kafka client, and the title
 * reports show. Titles name the client, since every figure of the issue is per client.
 */
import type { ClientName } from '../src/kafka/client.ts';
import type { DrainSubjectId, SubjectId } from './results.ts';
import type { SubjectKind } from './subject.ts';

export interface SubjectSpec {
  readonly kind: SubjectKind;
  readonly model: 'fraud' | 'heavy';
  /** The Kafka client; undefined: the scorer's default (kafka.client left unset). */
  readonly client: ClientName | undefined;
  readonly title: string;
  /** Laid over the scorer's generated config (scorer subjects only). */
  readonly scorer?: Record<string, unknown>;
}

export const SUBJECTS: Record<SubjectId, SubjectSpec> = {
  'w1-kafkajs': { kind: 'scorer', model: 'fraud', client: 'kafkajs', title: 'W1 scorer (kafkajs)' },
  'w1-platformatic': { kind: 'scorer', model: 'fraud', client: 'platformatic', title: 'W1 scorer (platformatic)' },
  'w1-eos-platformatic': {
    kind: 'scorer',
    model: 'fraud',
    client: 'platformatic',
    title: 'W1 scorer, exactly-once (platformatic)',
    scorer: { delivery: { guarantee: 'exactly-once' } },
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

/** One drain rotation, in order: each client's W1 next to its pass-through, exactly-once W1 right after platformatic's W1. */
export const DRAIN_ROTATION: readonly DrainSubjectId[] = CLIENTS.flatMap((client) =>
  client === 'platformatic' ? [w1Of(client), EXACTLY_ONCE_W1, passthroughOf(client)] : [w1Of(client), passthroughOf(client)],
);
