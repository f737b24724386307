/**
 * The ScoringStages options that the service and the redrive command set alike: the codecs, the pool,
 * the Kafka ends, the system clocks, and a flow's lane with the topics it reads.
 */
import type { ScorerConfig } from './config/types.ts';
import { systemClock, systemScheduler } from './core/clock.ts';
import type { FlowPlan } from './flows/plan.ts';
import type { GroupConsumer, Producer } from './kafka/client.ts';
import type { Logger } from './observability/logger.ts';
import type { Codecs } from './registry.ts';
import type { StageFlow, StagesOptions } from './stages.ts';

/** Records admitted between hand-backs to the event loop (see IntakeOptions.yieldToLoop). */
const ADMISSION_SLICE = 256;

export interface StageParts {
  readonly config: ScorerConfig;
  readonly codecs: Codecs;
  readonly pool: StagesOptions['pool'];
  readonly consumer: GroupConsumer;
  readonly producer: Producer;
  readonly log: Logger;
}

export function commonStageOptions(p: StageParts) {
  const { config, codecs, consumer } = p;
  return {
    config,
    output: codecs.output,
    writerSchema: codecs.writerSchema,
    pool: p.pool,
    consumer,
    producer: p.producer,
    target: { topic: config.output.topic, deadLetterTopic: config.deadLetter.topic },
    admissionSlice: ADMISSION_SLICE,
    revocation: { awaited: consumer.awaitsRevocation, budgetMs: config.kafka.consumer.revocationBudgetMs },
    log: p.log,
    clock: systemClock,
    scheduler: systemScheduler,
    wallClock: Date.now,
  } satisfies Partial<StagesOptions>;
}

/** The lane of `config.flows[index]`, reading `inputs` (its own, or a redrive's DLQ). */
export function flowStage(config: ScorerConfig, plans: readonly FlowPlan[], codecs: Codecs, index: number, inputs: StageFlow['inputs']): StageFlow {
  const flow = config.flows[index] as ScorerConfig['flows'][number];
  const topic = flow.output ?? config.output.topic;
  return {
    plan: plans[index] as FlowPlan,
    target: { topic, deadLetterTopic: config.deadLetter.topic },
    output: codecs.outputFor(topic),
    shadowOutputs: (flow.shadow ?? []).map((shadow) => codecs.outputFor(shadow.topic)),
    inputs,
  };
}
