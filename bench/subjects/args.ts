/**
 * The flags every baseline subject takes. bench/subject.ts builds the same list when it spawns one, so
 * the two stay in step through `subjectFlags`.
 */
import type { ClientName } from '../../src/kafka/client.ts';
import { brokerList, FlagError, httpUrl, oneOf, parseFlags, required } from './flags.ts';

/** The line a subject prints on stdout once its consumer has joined the group and holds its assignment. */
export const READY_LINE = 'ready';

export const MODELS = ['fraud', 'heavy'] as const;
export type BenchModel = (typeof MODELS)[number];

/** The clients of the product's Kafka interface (src/kafka/client.ts ClientName). */
export const CLIENT_NAMES = ['kafkajs', 'platformatic'] as const satisfies readonly ClientName[];
export type SubjectClient = (typeof CLIENT_NAMES)[number];

export interface SubjectArgs {
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly group: string;
  readonly model: BenchModel;
  /** A model repository laid out as the scorer's: <dir>/<model>/<version>/{model.onnx,config.yaml}. */
  readonly modelsDir: string;
  /** kafka.client for subjects built on the product's Kafka interface; absent: the scorer's default. */
  readonly client?: SubjectClient;
}

const OPTIONS = {
  brokers: { type: 'string' },
  registry: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  group: { type: 'string' },
  model: { type: 'string' },
  'models-dir': { type: 'string', default: 'models' },
  client: { type: 'string' },
} as const;

export const SUBJECT_USAGE =
  'usage: node bench/subjects/<name>.ts --brokers HOST:PORT[,...] --registry URL --input TOPIC --output TOPIC --group GROUP --model fraud|heavy [--models-dir DIR] [--client kafkajs|platformatic]';

/** Throws FlagError naming the first bad or missing flag. */
export function parseSubjectArgs(argv: readonly string[]): SubjectArgs {
  const values = parseFlags(argv, OPTIONS);
  const inputTopic = required('input', values.input);
  const outputTopic = required('output', values.output);
  if (inputTopic === outputTopic) throw new FlagError(`--output must differ from --input ("${inputTopic}")`);
  return {
    brokers: brokerList('brokers', required('brokers', values.brokers)),
    registryUrl: httpUrl('registry', required('registry', values.registry)),
    inputTopic,
    outputTopic,
    group: required('group', values.group),
    model: oneOf('model', required('model', values.model), MODELS),
    modelsDir: required('models-dir', values['models-dir']),
    ...(values.client === undefined ? {} : { client: oneOf('client', values.client, CLIENT_NAMES) }),
  };
}

/** The command line for `args`: the inverse of parseSubjectArgs. */
export function subjectFlags(args: SubjectArgs): string[] {
  return [
    '--brokers',
    args.brokers.join(','),
    '--registry',
    args.registryUrl,
    '--input',
    args.inputTopic,
    '--output',
    args.outputTopic,
    '--group',
    args.group,
    '--model',
    args.model,
    '--models-dir',
    args.modelsDir,
    ...(args.client === undefined ? [] : ['--client', args.client]),
  ];
}
