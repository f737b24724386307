/**
 * What a redrive scores the dead letters with: a flow of the configuration, or a plain model, at a
 * version chosen on the command line (once the cause is fixed, often a version other than the one that
 * failed). Pure: the versions on disk are looked up by the caller; each error names its flag.
 */
import { parseModelRef } from '../config/model-refs.ts';
import type { FlowConfig, Format, ModelRef, ScorerConfig } from '../config/types.ts';
import { FlagError } from './filter.ts';

export interface TargetFlags {
  readonly flow?: string;
  readonly model?: string;
  readonly format?: string;
}

export type RedriveTarget =
  | {
      readonly kind: 'flow';
      readonly flow: FlowConfig;
      readonly format: Format;
      /** The models to load, and the version the flow's bare refs to the chosen model name. */
      readonly serve: readonly ModelRef[];
      readonly served?: ReadonlyMap<string, number>;
    }
  | {
      readonly kind: 'model';
      readonly model: { readonly name: string; readonly version: number };
      readonly format: Format;
      readonly serve: readonly ModelRef[];
    };

const FORMATS: readonly Format[] = ['avro', 'json'];

export function resolveTarget(config: ScorerConfig, flags: TargetFlags, versionsOf: (name: string) => readonly number[]): RedriveTarget {
  if (flags.flow === undefined && flags.model === undefined) throw new FlagError('--flow', 'redrive needs --flow <name> or --model <name>[@version]');
  const model = flags.model === undefined ? undefined : chosenModel(flags.model, versionsOf);
  if (flags.flow === undefined) {
    const { name, version } = model as { name: string; version: number };
    const feeds = config.inputs.filter((input) => input.model === name).map((input) => input.format);
    const ambiguous = feeds.length === 0 ? `model ${name} scores no input of the configuration` : `model ${name}'s inputs are not all in one format`;
    return { kind: 'model', model: { name, version }, format: formatOf(flags.format, feeds, ambiguous), serve: [{ name, version }] };
  }
  const flow = config.flows.find((f) => f.name === flags.flow);
  if (flow === undefined) {
    const names = config.flows.map((f) => f.name);
    throw new FlagError('--flow', `no flow "${flags.flow}" in the configuration (${names.length === 0 ? 'it has none' : `its flows: ${names.join(', ')}`})`);
  }
  const format = formatOf(
    flags.format,
    flow.inputs.map((input) => input.format),
    `flow ${flow.name}'s inputs are not all in one format`,
  );
  if (model === undefined) return { kind: 'flow', flow, format, serve: config.models.serve };
  // The chosen version replaces the one a bare ref to the model loaded; pinned versions stay loaded for their pins.
  const serve = config.models.serve.filter((ref) => ref.name !== model.name || (ref.version !== undefined && ref.version !== model.version));
  return { kind: 'flow', flow, format, serve: [...serve, model], served: new Map([[model.name, model.version]]) };
}

/** "name@version", or "name" for its highest version on disk. */
function chosenModel(text: string, versionsOf: (name: string) => readonly number[]): { name: string; version: number } {
  const ref = parseModelRef(text);
  if (ref.name === '' || (ref.version !== undefined && !Number.isSafeInteger(ref.version))) {
    throw new FlagError('--model', `"${text}" is not a model ref (name or name@version)`);
  }
  const versions = versionsOf(ref.name);
  if (versions.length === 0) throw new FlagError('--model', `no model "${ref.name}" in models.repository`);
  const version = ref.version ?? Math.max(...versions);
  if (!versions.includes(version)) throw new FlagError('--model', `model ${ref.name} has no version ${version} (on disk: ${versions.join(', ')})`);
  return { name: ref.name, version };
}

/** The dead letters' format: --format, else the one format of the target's inputs. */
function formatOf(flag: string | undefined, formats: readonly Format[], ambiguous: string): Format {
  if (flag !== undefined) {
    if (!(FORMATS as readonly string[]).includes(flag)) throw new FlagError('--format', `"${flag}" is not one of ${FORMATS.join(', ')}`);
    return flag as Format;
  }
  const distinct = [...new Set(formats)];
  if (distinct.length === 1) return distinct[0] as Format;
  throw new FlagError('--format', `${ambiguous}: say which format the dead letters are in (${FORMATS.join(' or ')})`);
}
