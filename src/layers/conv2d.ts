/**
 * k×k convolution, stride 1, zero padding `pad`, with bias — the U-Net's 3×3 "valid"
 * convolutions (pad 0, paper Sec. 2: "repeated application of two 3x3 convolutions
 * (unpadded convolutions), each followed by a ReLU") and its final 1×1 convolution
 * ("a 1x1 convolution is used to map each 64-component feature vector to the desired
 * number of classes"). Any k ≥ 1 and pad ≥ 0 work.
 *
 * Math (x [N, Cin, H, W], w [Cout, Cin, k, k], b [1, Cout, 1, 1], p = pad,
 * x̃ = x zero-padded by p, Ho = H + 2p − k + 1, Wo likewise):
 *   y[n, o, i, j]  = b[o] + Σ_c Σ_{u,v<k} x̃[n, c, i + u, j + v] · w[o, c, u, v]
 * VJP for a cotangent dy [N, Cout, Ho, Wo]:
 *   dx[n, c, i, j] = Σ_o Σ_{u,v} dỹ[n, o, i + u, j + v] · w[o, c, k−1−u, k−1−v]
 *                    (dỹ = dy zero-padded by k−1−p: a forward conv with flipped,
 *                    transposed weights)
 *   dw[o, c, u, v] = Σ_{n,i,j} dy[n, o, i, j] · x̃[n, c, i + u, j + v]
 *   db[o]          = Σ_{n,i,j} dy[n, o, i, j]
 * With `relu` the op is max(0, y) — each 3×3 conv "followed by a rectified linear unit" —
 * computed in the conv kernel's last step; its VJP first takes dy · [y > 0] (ReLU's VJP, from
 * the rectified output), then the conv's. One op instead of two saves a pass over every
 * activation, forward and backward.
 *
 * Kernels (channels as SIMD lanes, 4 output columns per thread, two-stage reductions for dw
 * and db, host or device layouts): src/kernels/conv2d.ts.
 */
import { conv1x1Shape, conv2dShape } from '../tensor/shape.js';
import type { Shape } from '../tensor/tensor.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { orThrow } from '../tensor/shape-error.js';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from '../kernels/conv2d.js';
import { biasGrad } from '../kernels/reduce.js';
import { reluBackward } from '../kernels/relu.js';
import { reluRef, reluRefVjp } from './relu.js';
import type { OpRule } from './op.js';
import { checkCotangent, checkData } from './validate.js';

// ---------------------------------------------------------------- float64 references

/** Float64 reference forward (plain loops). */
export const conv2dRef = (x: Tensor64, w: Tensor64, b: Tensor64, pad: number): Tensor64 => {
  const [n, cin, h, wd] = x.shape;
  const [cout, , k] = w.shape;
  const ho = h + 2 * pad - k + 1;
  const wo = wd + 2 * pad - k + 1;
  const out = new Float64Array(n * cout * ho * wo);
  for (let ni = 0; ni < n; ni++) {
    for (let o = 0; o < cout; o++) {
      const ob = (ni * cout + o) * ho * wo;
      out.fill(b.data[o]!, ob, ob + ho * wo);
      for (let c = 0; c < cin; c++) {
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            const wv = w.data[((o * cin + c) * k + u) * k + v]!;
            const j0 = Math.max(0, pad - v);
            const j1 = Math.min(wo, wd + pad - v);
            for (let i = 0; i < ho; i++) {
              const yi = i + u - pad;
              if (yi < 0 || yi >= h) continue;
              const xb = ((ni * cin + c) * h + yi) * wd + v - pad;
              const orow = ob + i * wo;
              for (let j = j0; j < j1; j++) out[orow + j] = out[orow + j]! + x.data[xb + j]! * wv;
            }
          }
        }
      }
    }
  }
  return { shape: [n, cout, ho, wo], data: out };
};

/** Float64 reference VJP: [dx, dw, db] for the output cotangent dy (plain loops). */
export const conv2dRefVjp = (x: Tensor64, w: Tensor64, b: Tensor64, pad: number, dy: Tensor64): [Tensor64, Tensor64, Tensor64] => {
  const [n, cin, h, wd] = x.shape;
  const [cout, , k] = w.shape;
  const [, , ho, wo] = dy.shape;
  const dx = new Float64Array(x.data.length);
  const dw = new Float64Array(w.data.length);
  const db = new Float64Array(b.data.length);
  for (let ni = 0; ni < n; ni++) {
    for (let o = 0; o < cout; o++) {
      const gb = (ni * cout + o) * ho * wo;
      let sb = 0;
      for (let t = 0; t < ho * wo; t++) sb += dy.data[gb + t]!;
      db[o] = db[o]! + sb;
      for (let c = 0; c < cin; c++) {
        for (let u = 0; u < k; u++) {
          for (let v = 0; v < k; v++) {
            const wi = ((o * cin + c) * k + u) * k + v;
            const wv = w.data[wi]!;
            const j0 = Math.max(0, pad - v);
            const j1 = Math.min(wo, wd + pad - v);
            let sw = 0;
            for (let i = 0; i < ho; i++) {
              const yi = i + u - pad;
              if (yi < 0 || yi >= h) continue;
              const xb = ((ni * cin + c) * h + yi) * wd + v - pad;
              const grow = gb + i * wo;
              for (let j = j0; j < j1; j++) {
                const g = dy.data[grow + j]!;
                sw += g * x.data[xb + j]!;
                dx[xb + j] = dx[xb + j]! + g * wv;
              }
            }
            dw[wi] = dw[wi]! + sw;
          }
        }
      }
    }
  }
  return [
    { shape: x.shape, data: dx },
    { shape: w.shape, data: dw },
    { shape: b.shape, data: db },
  ];
};

/** The output shape; a 1×1 unpadded conv is the paper's final layer and its errors name conv1x1. */
const outShape = (x: Shape, w: Shape, b: Shape, pad: number): Shape =>
  orThrow(w[2] === 1 && w[3] === 1 && pad === 0 ? conv1x1Shape(x, w, b) : conv2dShape(x, w, b, pad));

/** Float64 reference of conv + ReLU (the `relu` attribute). */
export const conv2dReluRef = (x: Tensor64, w: Tensor64, b: Tensor64, pad: number): Tensor64 => reluRef(conv2dRef(x, w, b, pad));

/** Float64 reference VJP of conv + ReLU: ReLU's VJP at the conv output, then the conv's. */
export const conv2dReluRefVjp = (x: Tensor64, w: Tensor64, b: Tensor64, pad: number, dy: Tensor64): [Tensor64, Tensor64, Tensor64] =>
  conv2dRefVjp(x, w, b, pad, reluRefVjp(conv2dRef(x, w, b, pad), dy));

export const conv2d: OpRule<'conv2d'> = {
  forward: async (rt, [x, w, b], { pad, relu = false }) => {
    const shape = outShape(x.shape, w.shape, b.shape, pad);
    checkData('conv2d', { input: x, weight: w, bias: b });
    return { out: await conv2dForward(rt, x, w, b, pad, shape, relu), saved: null };
  },
  vjp: async (rt, dyOut, [x, w, b], out, { pad, relu = false }, _saved, needed) => {
    checkCotangent('conv2d.vjp', dyOut, outShape(x.shape, w.shape, b.shape, pad));
    // In a scope: the masked dy (host scratch, or a device array) dies with this pass.
    return rt.scope(async () => {
      const dy = relu ? await reluBackward(rt, dyOut, out, rt.scratch) : dyOut;
      return [
        // The first layer's dx (the image's gradient) is a whole conv pass nobody reads.
        needed?.[0] === false ? null : await conv2dInputGrad(rt, dy, w, pad, x.shape),
        await conv2dWeightGrad(rt, x, dy, w.shape, pad),
        await biasGrad(rt, 'conv2d.vjp.db', dy, b.shape),
      ] as const;
    });
  },
};
