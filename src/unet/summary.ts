/**
 * A layer-by-layer summary of the network at a tile size: what `unet-ts info` prints.
 * Shapes come from the same pure shape rules the ops use, so the table cannot disagree
 * with what training runs.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { Shape } from '../tensor/tensor.js';
import { size } from '../tensor/tensor.js';
import { centerCropShape, concatShape, conv2dShape, maxPool2Shape, upConv2Shape } from '../tensor/shape.js';
import type { ShapeError } from '../tensor/shape-error.js';
import { channelsAt, type UNetConfig } from './config.js';

export interface LayerRow {
  readonly name: string;
  readonly op: string;
  readonly out: Shape;
  readonly params: number;
}

/** Rows for every layer at input n×n, or the first shape error (an invalid tile). */
export const summarize = (c: UNetConfig, n: number): E.Either<ShapeError, readonly LayerRow[]> => {
  const rows: LayerRow[] = [];
  const pad = c.padding === 'valid' ? 0 : 1;
  const bias = (ch: number): Shape => [1, ch, 1, 1];
  const run = (name: string, op: string, r: E.Either<ShapeError, Shape>, params = 0): Shape => {
    if (E.isLeft(r)) throw r.left;
    rows.push({ name, op, out: r.right, params });
    return r.right;
  };
  const conv = (name: string, x: Shape, cout: number, k: number, p: number): Shape =>
    run(name, `conv ${k}×${k}${k > 1 ? ' + ReLU' : ''}`, conv2dShape(x, [cout, x[1], k, k], bias(cout), p), cout * x[1] * k * k + cout);
  try {
    let h: Shape = run('input', 'input', E.right([1, c.inChannels, n, n]));
    const skips: Shape[] = [];
    for (let i = 0; i < c.depth; i++) {
      h = conv(`down.${i}.conv1`, h, channelsAt(c, i), 3, pad);
      h = conv(`down.${i}.conv2`, h, channelsAt(c, i), 3, pad);
      skips.push(h);
      h = run(`down.${i}.pool`, 'max-pool 2×2', maxPool2Shape(h));
    }
    h = conv('bottom.conv1', h, channelsAt(c, c.depth), 3, pad);
    h = conv('bottom.conv2', h, channelsAt(c, c.depth), 3, pad);
    if (c.dropout > 0) h = run('bottom.dropout', `dropout ${c.dropout}`, E.right(h));
    for (let i = c.depth - 1; i >= 0; i--) {
      const ch = channelsAt(c, i);
      const up = run(`up.${i}.upconv`, 'up-conv 2×2', upConv2Shape(h, [h[1], ch, 2, 2], bias(ch)), h[1] * ch * 4 + ch);
      const skip = run(`up.${i}.crop`, `crop skip ${skips[i]![2]}→${up[2]}`, centerCropShape(skips[i]!, up[2], up[3]));
      h = run(`up.${i}.concat`, 'concat', concatShape(skip, up));
      h = conv(`up.${i}.conv1`, h, ch, 3, pad);
      h = conv(`up.${i}.conv2`, h, ch, 3, pad);
    }
    conv('out', h, c.classes, 1, 0);
    return E.right(rows);
  } catch (e) {
    return E.left(e as ShapeError);
  }
};

/** Activation values of all layers (a lower bound on forward memory, ×4 bytes). */
export const activationCount = (rows: readonly LayerRow[]): number => rows.reduce((s, r) => s + size(r.out), 0);
