/**
 * Reads one column per row out of a model output: the whole output when it is [batch] or [batch, 1], or
 * column `index` of a [batch, k] output (e.g. the positive-class probability). Pure, so the worker's
 * only ORT-specific step is handing over the tensor's type, dims and data.
 */

import type { ModelOutputRef } from './types.ts';

/** The parts of an output tensor the extraction needs. */
export interface OutputView {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number | bigint | string | boolean>;
}

export class ModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOutputError';
  }
}

interface Layout {
  readonly stride: number;
  readonly offset: number;
}

function layoutOf(view: OutputView, rows: number, ref: ModelOutputRef): Layout {
  const shape = `[${view.dims.join(', ')}]`;
  if (view.dims[0] !== rows || view.dims.length > 2 || view.data.length !== rows * (view.dims[1] ?? 1)) {
    throw new ModelOutputError(`output ${ref.output} has shape ${shape}; expected [${rows}] or [${rows}, k]`);
  }
  const columns = view.dims[1] ?? 1;
  if (ref.index === undefined) {
    if (columns !== 1) {
      throw new ModelOutputError(`output ${ref.output} has ${columns} columns ${shape}; the model config must name an index`);
    }
    return { stride: 1, offset: 0 };
  }
  if (ref.index >= columns) {
    throw new ModelOutputError(`output ${ref.output} index ${ref.index} is out of range for shape ${shape}`);
  }
  return { stride: columns, offset: ref.index };
}

export function extractScores(view: OutputView, rows: number, ref: ModelOutputRef): Float64Array {
  if (view.type === 'string') throw new ModelOutputError(`output ${ref.output} is a string tensor, not a score`);
  const { stride, offset } = layoutOf(view, rows, ref);
  const scores = new Float64Array(rows);
  for (let row = 0; row < rows; row++) scores[row] = Number(view.data[row * stride + offset]);
  return scores;
}

/** Labels as strings: int64 labels arrive as BigInt and become decimal strings. */
export function extractLabels(view: OutputView, rows: number, ref: ModelOutputRef): string[] {
  const { stride, offset } = layoutOf(view, rows, ref);
  const labels = new Array<string>(rows);
  for (let row = 0; row < rows; row++) labels[row] = String(view.data[row * stride + offset]);
  return labels;
}
