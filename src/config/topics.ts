/** The topics a configuration reads and writes: plain inputs and flows alike. */
import type { ScorerConfig } from './types.ts';

/** Every topic the consumer subscribes to, plain inputs first, then each flow's. */
export function consumedTopics(config: Pick<ScorerConfig, 'inputs' | 'flows'>): string[] {
  return [...config.inputs.map((input) => input.topic), ...config.flows.flatMap((flow) => flow.inputs.map((input) => input.topic))];
}

/** Every topic predictions go to: output.topic, the flows' own outputs, and their shadow topics. */
export function predictionTopics(config: Pick<ScorerConfig, 'output' | 'flows'>): string[] {
  const flowTopics = config.flows.flatMap((flow) => [...(flow.output === undefined ? [] : [flow.output]), ...(flow.shadow ?? []).map((s) => s.topic)]);
  return [...new Set([config.output.topic, ...flowTopics])];
}
