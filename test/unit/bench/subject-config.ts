/** What bench/subject.ts writes for a catalog subject on some topics, loaded and validated as the scorer does. */
import type { SubjectSpec } from '../../../bench/catalog.ts';
import type { SubjectTopics } from '../../../bench/flow-subject.ts';
import { scorerConfig } from '../../../bench/subject.ts';
import { loadConfig } from '../../../src/config/load.ts';

export function subjectConfig(spec: SubjectSpec, topics: SubjectTopics) {
  const generated = scorerConfig({
    brokers: ['127.0.0.1:9092'],
    registryUrl: 'http://127.0.0.1:8081',
    ...topics,
    group: 'bench-group',
    model: spec.model,
    ...(spec.client === undefined ? {} : { client: spec.client }),
    ...(spec.scorer === undefined ? {} : { scorerOverrides: spec.scorer(topics, { otlpUrl: 'http://127.0.0.1:4318/v1/traces' }) }),
    threads: 1,
  });
  return loadConfig({ env: {}, overrides: generated });
}
