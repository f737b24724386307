/**
 * Writes a batch's feature-log records (schemas/feature-log.avsc) back to back into one buffer, in the
 * Confluent wire format, in the inference worker that holds the batch's feature columns: the features
 * are read straight from the columns the model was fed, so the main thread only slices the buffer, as
 * it does the predictions. Encoded by hand (avro-out.ts): a record is a few scalars and two maps whose
 * keys are the model's field names, encoded once per model.
 */
import { AvroOut, avroString } from './avro-out.ts';
import type { FeatureColumns } from './feature-columns.ts';
import type { CompiledField } from './feature-fields.ts';
import type { EncodedBatch } from './prediction-encoder.ts';
import { HEADER_BYTES, writeHeader } from './wire-format.ts';

/** The features one record logs: row `row` of a batch's columns, laid out by `fields`. */
export interface FeatureRef {
  readonly columns: FeatureColumns;
  readonly fields: readonly CompiledField[];
  readonly row: number;
}

/** Everything of a record but its features, as the schema names it. */
export interface FeatureLogEntry {
  readonly model_name: string;
  readonly model_version: number;
  readonly score: number;
  readonly label: string | null;
  readonly flow: string | null;
  readonly experiment: string | null;
  readonly variant: string | null;
  readonly fallback: boolean;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: number;
  readonly event_timestamp: number;
  readonly key: Uint8Array | null;
  readonly scored_at: number;
}

interface MapLayout {
  /** Indexes into the fields. */
  readonly numeric: readonly number[];
  readonly strings: readonly number[];
  /** The map keys (the fields' names), in Avro form. */
  readonly names: readonly Uint8Array[];
  /** The whole numeric map, block count to end marker, with its values left to write at `valueOffsets`. */
  readonly numericMap: Uint8Array;
  readonly valueOffsets: readonly number[];
}

/** The numeric map of `numeric`'s fields as one template: every key in place, eight bytes open after each. */
function numericTemplate(numeric: readonly number[], names: readonly Uint8Array[]): Pick<MapLayout, 'numericMap' | 'valueOffsets'> {
  const out = new AvroOut(64);
  const valueOffsets: number[] = [];
  if (numeric.length > 0) {
    out.long(numeric.length);
    for (const i of numeric) {
      out.raw(names[i] as Uint8Array);
      valueOffsets.push(out.position);
      out.double(0);
    }
  }
  out.long(0);
  return { numericMap: out.bytes().slice(), valueOffsets };
}

const layouts = new WeakMap<readonly CompiledField[], MapLayout>();

function layoutOf(fields: readonly CompiledField[]): MapLayout {
  let layout = layouts.get(fields);
  if (layout === undefined) {
    const numeric: number[] = [];
    const strings: number[] = [];
    fields.forEach((f, i) => {
      (f.dtype === 'string' ? strings : numeric).push(i);
    });
    const names = fields.map((f) => avroString(f.field));
    layout = { numeric, strings, names, ...numericTemplate(numeric, names) };
    layouts.set(fields, layout);
  }
  return layout;
}

const BYTES_PER_RECORD_GUESS = 640;

export class FeatureLogWriter {
  readonly #schemaId: number;

  constructor(schemaId: number) {
    this.#schemaId = schemaId;
  }

  /** One batch's writing: `write` or `skip` each record in order, then `finish`. */
  batch(records: number): FeatureLogBatch {
    return new FeatureLogBatch(this.#schemaId, records);
  }
}

export class FeatureLogBatch {
  readonly #schemaId: number;
  readonly #out: AvroOut;
  readonly #ends: Int32Array<ArrayBuffer>;
  #record = 0;

  constructor(schemaId: number, records: number) {
    this.#schemaId = schemaId;
    this.#out = new AvroOut(records * BYTES_PER_RECORD_GUESS);
    this.#ends = new Int32Array(records);
  }

  /** `features` absent: a record whose model saw no feature columns (a fallback's answer, a heuristic). */
  write(entry: FeatureLogEntry, features?: FeatureRef): void {
    const out = this.#out;
    out.reserveRaw(HEADER_BYTES, (target) => writeHeader(target, this.#schemaId));
    out.string(entry.model_name);
    out.long(entry.model_version);
    out.double(entry.score);
    out.nullableString(entry.label);
    out.nullableString(entry.flow);
    out.nullableString(entry.experiment);
    out.nullableString(entry.variant);
    out.boolean(entry.fallback);
    out.string(entry.source_topic);
    out.long(entry.source_partition);
    out.long(entry.source_offset);
    out.long(entry.event_timestamp);
    if (entry.key === null) out.long(0);
    else {
      out.long(1);
      out.bytesField(entry.key);
    }
    out.long(entry.scored_at);
    if (features === undefined) {
      out.long(0);
      out.long(0);
    } else writeMaps(out, features);
    this.#ends[this.#record++] = out.position;
  }

  skip(): void {
    this.#ends[this.#record++] = this.#out.position;
  }

  finish(): EncodedBatch {
    return { bytes: this.#out.bytes(), ends: this.#ends };
  }
}

/** A record's numeric feature values, before they go into the template; grown to the widest model seen. */
let scratch = new Float64Array(64);

/** The two maps, each one block of its entries and the empty block that ends it. */
function writeMaps(out: AvroOut, { columns, fields, row }: FeatureRef): void {
  const { numeric, strings, names, numericMap, valueOffsets } = layoutOf(fields);
  if (scratch.length < numeric.length) scratch = new Float64Array(numeric.length);
  for (let k = 0; k < numeric.length; k++) scratch[k] = Number(columns.valueAt(row, numeric[k] as number));
  out.template(numericMap, valueOffsets, scratch);
  if (strings.length > 0) {
    out.long(strings.length);
    for (const i of strings) {
      out.raw(names[i] as Uint8Array);
      out.string(columns.valueAt(row, i) as string);
    }
  }
  out.long(0);
}
