/**
 * 2×2 up-convolution, stride 2, with bias — the U-Net's expansive-path upsampling (paper
 * Sec. 2: "an upsampling of the feature map followed by a 2x2 convolution ('up-convolution')
 * that halves the number of feature channels"), i.e. PyTorch's ConvTranspose2d(k=2, s=2).
 *
 * Math (x [N, Cin, H, W], w [Cin, Cout, 2, 2], b [1, Cout, 1, 1]; each input pixel paints
 * one 2×2 output block, blocks do not overlap):
 *   y[n, o, 2i + a, 2j + e] = b[o] + Σ_c x[n, c, i, j] · w[c, o, a, e]
 * VJP for a cotangent dy [N, Cout, 2H, 2W]:
 *   dx[n, c, i, j] = Σ_o Σ_{a,e} dy[n, o, 2i + a, 2j + e] · w[c, o, a, e]
 *   dw[c, o, a, e] = Σ_{n,i,j} x[n, c, i, j] · dy[n, o, 2i + a, 2j + e]
 *   db[o]          = Σ_{n,y,x} dy[n, o, y, x]
 *
 * Kernels (the conv2d formulation: channels as SIMD lanes, two-stage reductions):
 * src/kernels/up-conv2.ts.
 */
import { upConv2Shape } from '../tensor/shape.js';
import { orThrow } from '../tensor/shape-error.js';
import type { Tensor64 } from '../tensor/tensor64.js';
import { biasGrad } from '../kernels/reduce.js';
import { upConv2Forward, upConv2InputGrad, upConv2WeightGrad } from '../kernels/up-conv2.js';
import type { OpRule } from './op.js';
import { checkCotangent, checkData } from './validate.js';

// ---------------------------------------------------------------- float64 references

/** Float64 reference forward (plain loops). */
export const upConv2Ref = (x: Tensor64, w: Tensor64, b: Tensor64): Tensor64 => {
  const [n, cin, h, wd] = x.shape;
  const cout = w.shape[1];
  const ho = 2 * h;
  const wo = 2 * wd;
  const out = new Float64Array(n * cout * ho * wo);
  for (let ni = 0; ni < n; ni++) {
    for (let o = 0; o < cout; o++) {
      const ob = (ni * cout + o) * ho * wo;
      out.fill(b.data[o]!, ob, ob + ho * wo);
      for (let c = 0; c < cin; c++) {
        const xb = (ni * cin + c) * h * wd;
        for (let a = 0; a < 2; a++) {
          for (let e = 0; e < 2; e++) {
            const wv = w.data[((c * cout + o) * 2 + a) * 2 + e]!;
            for (let i = 0; i < h; i++) {
              const orow = ob + (2 * i + a) * wo + e;
              const xrow = xb + i * wd;
              for (let j = 0; j < wd; j++) out[orow + 2 * j] = out[orow + 2 * j]! + x.data[xrow + j]! * wv;
            }
          }
        }
      }
    }
  }
  return { shape: [n, cout, ho, wo], data: out };
};

/** Float64 reference VJP: [dx, dw, db] for the output cotangent dy (plain loops). */
export const upConv2RefVjp = (x: Tensor64, w: Tensor64, b: Tensor64, dy: Tensor64): [Tensor64, Tensor64, Tensor64] => {
  const [n, cin, h, wd] = x.shape;
  const cout = w.shape[1];
  const ho = 2 * h;
  const wo = 2 * wd;
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
        const xb = (ni * cin + c) * h * wd;
        for (let a = 0; a < 2; a++) {
          for (let e = 0; e < 2; e++) {
            const wi = ((c * cout + o) * 2 + a) * 2 + e;
            const wv = w.data[wi]!;
            let sw = 0;
            for (let i = 0; i < h; i++) {
              const grow = gb + (2 * i + a) * wo + e;
              const xrow = xb + i * wd;
              for (let j = 0; j < wd; j++) {
                const g = dy.data[grow + 2 * j]!;
                sw += g * x.data[xrow + j]!;
                dx[xrow + j] = dx[xrow + j]! + g * wv;
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

export const upConv2: OpRule<'upConv2'> = {
  forward: async (rt, [x, w, b]) => {
    const shape = orThrow(upConv2Shape(x.shape, w.shape, b.shape));
    checkData('upConv2', { input: x, weight: w, bias: b });
    return { out: await upConv2Forward(rt, x, w, b, shape), saved: null };
  },
  vjp: async (rt, dy, [x, w, b]) => {
    checkCotangent('upConv2.vjp', dy, orThrow(upConv2Shape(x.shape, w.shape, b.shape)));
    return [
      await upConv2InputGrad(rt, dy, w, x.shape),
      await upConv2WeightGrad(rt, x, dy, w.shape),
      await biasGrad(rt, 'upConv2.vjp.db', dy, b.shape),
    ] as const;
  },
};
