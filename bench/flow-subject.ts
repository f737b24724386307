/**
 * The flow subject's configuration (issue 10's benchmark): W1 routed through a flow with hooks, an
 * A/B test and a shadow candidate, laid over the scorer's generated W1 config. Its input is the run's fresh input topic, so
 * the overlay is made from the run's topics. The plain input is replaced by the flow (lists replace in
 * the deep merge), the flow writes to the run's output topic, and nothing fans out to it: one
 * prediction per input event, which the load generator counts. Shadow predictions (fraud@2 beside the
 * control variant's fraud@1) go to `<output>.shadow`, unless shed under pressure.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The run's topics a subject's overlay may name. */
export interface SubjectTopics {
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** The run's own Redis, for a subject that enriches from one (SubjectSpec.redis). */
  readonly redisUrl?: string;
}

export const FLOW_NAME = 'bench-fraud';
export const FLOW_EXPERIMENT = 'bench-fraud-v1-v2';

/** Absolute: the scorer's config file is written to a temporary directory, which relative hook paths would resolve against. */
export const FLOW_HOOKS = join(fileURLToPath(new URL('.', import.meta.url)), 'subjects', 'flow-hooks.ts');

export function flowOverlay(topics: SubjectTopics): Record<string, unknown> {
  return {
    models: {
      serve: [
        { name: 'fraud', version: 1 },
        { name: 'fraud', version: 2 },
      ],
    },
    inputs: [],
    flows: [
      {
        name: FLOW_NAME,
        inputs: [{ topic: topics.inputTopic, format: 'avro' }],
        preprocess: `${FLOW_HOOKS}#preprocess`,
        models: [`experiment:${FLOW_EXPERIMENT}`],
        postprocess: `${FLOW_HOOKS}#postprocess`,
        shadow: [{ of: 'fraud@1', candidate: 'fraud@2', topic: `${topics.outputTopic}.shadow` }],
      },
    ],
    experiments: [
      {
        // No key field: allocated by the record key (the generator's account id).
        id: FLOW_EXPERIMENT,
        variants: [
          { name: 'control', model: 'fraud@1', weight: 50 },
          { name: 'candidate', model: 'fraud@2', weight: 50 },
        ],
      },
    ],
  };
}
