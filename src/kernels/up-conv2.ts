/**
 * GPU.js kernels of the 2×2 stride-2 up-convolution (the math, reference and VJP:
 * src/layers/up-conv2.ts).
 *
 * Kernels use the conv2d formulation (channels as SIMD lanes, 4 consecutive output columns
 * per thread, 3-D arguments, loops bounded by constants; see ./layout.ts):
 * forward thread (o, q, n·2H + y) computes y[n, o, y, 4q … 4q+3] from the input pixels
 * (i, 2q) and (i, 2q + 1); dx thread (c, q, n·H + i) computes dx[n, c, i, 4q … 4q+3] from
 * the 2×8 block of dy above them; dw is a two-stage row-block reduction (./reduce.ts).
 *
 * Where the values live. x and dy may be host or device tensors. On a resident runtime
 * (webgpu) the stacking before the kernels and the reordering after them run as gpu.js copy
 * kernels (./layout.ts `stack`, `unquads`, `unUpQuads`), so activations never go to the
 * host: y and dx are device tensors, and each op's intermediate buffers are freed when it
 * returns (a runtime scope). Elsewhere (cpu, webasm, headlessgl) those layouts are the host
 * functions, exactly as before. Weights and biases are read to the host (`readTensor`, free
 * for host tensors) for their small transposes; dw and db are host tensors.
 */
import { unsafeTensor, type Shape, type Tensor } from '../tensor/tensor.js';
import { readTensor, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import { arg1d, arg3d, type KernelSpec, type Runtime } from '../runtime/core.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { lanes, stack, stackLast, unquads, unUpQuads } from './layout.js';
import { rowBlocks, sumPartials } from './reduce.js';

// ---------------------------------------------------------------- kernels

/**
 * Forward. Thread (4·(2a + e)… : x = (2a + e)·Cout' + o, q, z = n·H + i) computes
 *   s_m = b[o] + Σ_c x[n, c, i, 4q + m] · w[c, o, a, e]   (m = 0…3),
 * i.e. y[n, o, 2i + a, 2(4q + m) + e]: one weight read (a lane gather) serves 4 multiply-adds.
 * x [4Q, N·H, Cin] (images stacked along y, columns zero-padded to 4Q, Q = ⌈W/4⌉),
 * wt [4·Cout', Cin, 1] (wt[0][c][(2a + e)·Cout' + o] = w[c, o, a, e]), b4 [4·Cout'] (b[o] repeated).
 */
function upConv2Kernel(this: KernelThis, x: number[][][], wt: number[][][], b4: number[]): number[] {
  const bias = b4[this.thread.x]!;
  let s0 = bias;
  let s1 = bias;
  let s2 = bias;
  let s3 = bias;
  for (let c = 0; c < this.constants.Cin!; c++) {
    const wv = wt[0]![c]![this.thread.x]!;
    s0 += x[c]![this.thread.z]![this.thread.y * 4]! * wv;
    s1 += x[c]![this.thread.z]![this.thread.y * 4 + 1]! * wv;
    s2 += x[c]![this.thread.z]![this.thread.y * 4 + 2]! * wv;
    s3 += x[c]![this.thread.z]![this.thread.y * 4 + 3]! * wv;
  }
  return [s0, s1, s2, s3];
}

/**
 * Input gradient. Thread (c, q, z = n·H + i): dx[n, c, i, 4q + m] for m = 0…3,
 *   s_m = Σ_o Σ_{a,e} dy[n, o, 2i + a, 2(4q + m) + e] · w[c, o, a, e].
 * dy [8Q, N·2H, Cout] (stacked, columns zero-padded to 8Q, Q = ⌈W/4⌉), so image n's rows
 * 2i, 2i + 1 are stacked rows 2z, 2z + 1; wt [Cin', 4, Cout] (wt[o][2a + e][c] = w[c, o, a, e]).
 */
function upConv2DxKernel(this: KernelThis, dy: number[][][], wt: number[][][]): number[] {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let o = 0; o < this.constants.Cout!; o++) {
    const w00 = wt[o]![0]![this.thread.x]!;
    const w01 = wt[o]![1]![this.thread.x]!;
    const w10 = wt[o]![2]![this.thread.x]!;
    const w11 = wt[o]![3]![this.thread.x]!;
    s0 += dy[o]![this.thread.z * 2]![this.thread.y * 8]! * w00 +
      dy[o]![this.thread.z * 2]![this.thread.y * 8 + 1]! * w01 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8]! * w10 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 1]! * w11;
    s1 += dy[o]![this.thread.z * 2]![this.thread.y * 8 + 2]! * w00 +
      dy[o]![this.thread.z * 2]![this.thread.y * 8 + 3]! * w01 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 2]! * w10 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 3]! * w11;
    s2 += dy[o]![this.thread.z * 2]![this.thread.y * 8 + 4]! * w00 +
      dy[o]![this.thread.z * 2]![this.thread.y * 8 + 5]! * w01 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 4]! * w10 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 5]! * w11;
    s3 += dy[o]![this.thread.z * 2]![this.thread.y * 8 + 6]! * w00 +
      dy[o]![this.thread.z * 2]![this.thread.y * 8 + 7]! * w01 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 6]! * w10 +
      dy[o]![this.thread.z * 2 + 1]![this.thread.y * 8 + 7]! * w11;
  }
  return [s0, s1, s2, s3];
}

/**
 * Weight-gradient stage 1. Thread (o, g = (2a + e)·CG + cg, blk) returns the partial sums of
 * dw[4cg + k, o, a, e] (k = 0…3) over the stacked input rows [blk·R, blk·R + R), 4 columns
 * per step:  s_k += Σ_{m<4} x[4cg + k][y][4j + m] · dy[o][2y + a][2(4j + m) + e].
 * x [4J, N·H, 4·CG] is stacked and dy [Cout', 8J, N·2H] stacked with the channel fastest
 * (`stackChannelsLast`: the 4 lanes o … o+3 read 4 consecutive values, one vector load), both
 * zero-padded (columns to a multiple of 4 input pixels, channels to multiples of 4), so no
 * read leaves its array.
 */
function upConv2DwKernel(this: KernelThis, x: number[][][], dy: number[][][]): number[] {
  const ae = Math.floor(this.thread.y / this.constants.CG!);
  const c0 = (this.thread.y - ae * this.constants.CG!) * 4;
  const a = Math.floor(ae / 2);
  const e = ae - a * 2;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let r = 0; r < this.constants.R!; r++) {
    const y = this.thread.z * this.constants.R! + r;
    if (y < this.constants.T!) {
      const yd = y * 2 + a;
      for (let j = 0; j < this.constants.J!; j++) {
        const g0 = dy[yd]![j * 8 + 0 + e]![this.thread.x]!;
        const g1 = dy[yd]![j * 8 + 2 + e]![this.thread.x]!;
        const g2 = dy[yd]![j * 8 + 4 + e]![this.thread.x]!;
        const g3 = dy[yd]![j * 8 + 6 + e]![this.thread.x]!;
        s0 += g0 * x[c0]![y]![j * 4]! + g1 * x[c0]![y]![j * 4 + 1]! + g2 * x[c0]![y]![j * 4 + 2]! + g3 * x[c0]![y]![j * 4 + 3]!;
        s1 += g0 * x[c0 + 1]![y]![j * 4]! + g1 * x[c0 + 1]![y]![j * 4 + 1]! + g2 * x[c0 + 1]![y]![j * 4 + 2]! + g3 * x[c0 + 1]![y]![j * 4 + 3]!;
        s2 += g0 * x[c0 + 2]![y]![j * 4]! + g1 * x[c0 + 2]![y]![j * 4 + 1]! + g2 * x[c0 + 2]![y]![j * 4 + 2]! + g3 * x[c0 + 2]![y]![j * 4 + 3]!;
        s3 += g0 * x[c0 + 3]![y]![j * 4]! + g1 * x[c0 + 3]![y]![j * 4 + 1]! + g2 * x[c0 + 3]![y]![j * 4 + 2]! + g3 * x[c0 + 3]![y]![j * 4 + 3]!;
      }
    }
  }
  return [s0, s1, s2, s3];
}

// ---------------------------------------------------------------- host side

/** dw [Cin, Cout, 2, 2] by the two-stage row-block reduction. */
const upConv2Dw = async (rt: Runtime, x: AnyTensor, dy: AnyTensor): Promise<Float32Array> => {
  const [n, cin, h, wd] = x.shape;
  const cout = dy.shape[1];
  const cg = Math.ceil(cin / 4);
  const cp = lanes(cout);
  const j = Math.ceil(wd / 4);
  const total = n * h;
  const m = 4 * cg * cp * 4;
  const { r, b } = rowBlocks(total, 4 * j, m, 1, m / 4);
  const xs = await stack(rt, x, h, 4 * j, 0, 0, 0, 4 * cg);
  const dys = await stackLast(rt, dy, 2 * h, 8 * j, cp);
  const spec: KernelSpec = {
    op: 'upConv2.vjp.dw',
    source: upConv2DwKernel,
    output: [cp, 4 * cg, b],
    constants: { CG: cg, R: r, T: total, J: j },
    vec4: true,
    transient: true,
  };
  const partials = await rt.compute(spec, [arg3d(xs, 4 * j, total, 4 * cg), arg3d(dys, cp, 8 * j, 2 * total)]);
  const s = await sumPartials(rt, 'upConv2.vjp.dw', partials, m, b);
  const dw = new Float32Array(cin * cout * 4);
  for (let c = 0; c < cin; c++)
    for (let o = 0; o < cout; o++)
      for (let ae = 0; ae < 4; ae++) dw[(c * cout + o) * 4 + ae] = s[((ae * cg + (c >> 2)) * cp + o) * 4 + (c & 3)]!;
  return dw;
};

// ---------------------------------------------------------------- the passes

/** y of shape `out` [N, Cout, 2H, 2W] (checked by the op); on the device on a resident runtime. */
export const upConv2Forward = async (rt: Runtime, x: AnyTensor, w: AnyTensor, b: AnyTensor, out: Shape): Promise<AnyTensor> => {
  const [n, cin, h, wd] = x.shape;
  const cout = w.shape[1];
  const cp = lanes(cout);
  const q = Math.ceil(wd / 4);
  const wHost = (await readTensor(rt, w)).data;
  const wt = new Float32Array(cin * 4 * cp);
  for (let c = 0; c < cin; c++)
    for (let o = 0; o < cout; o++)
      for (let ae = 0; ae < 4; ae++) wt[c * 4 * cp + ae * cp + o] = wHost[(c * cout + o) * 4 + ae]!;
  const b4 = new Float32Array(4 * cp);
  const bias = (await readTensor(rt, b)).data;
  for (let ae = 0; ae < 4; ae++) b4.set(bias, ae * cp);
  const y = await rt.scope(async () => {
    const xs = await stack(rt, x, h, 4 * q, 0, 0);
    const spec: KernelSpec = {
      op: 'upConv2.forward',
      source: upConv2Kernel,
      output: [4 * cp, q, n * h],
      constants: { Cin: cin },
      vec4: true,
      transient: true,
    };
    const r = await rt.compute(spec, [arg3d(xs, 4 * q, n * h, cin), arg3d(wt, 4 * cp, cin, 1), arg1d(b4)]);
    return unUpQuads(rt, r, n, cout, cp, h, wd);
  });
  return tensorOf(out, y);
};

/** dx of shape `xShape`. */
export const upConv2InputGrad = async (rt: Runtime, dy: AnyTensor, w: AnyTensor, xShape: Shape): Promise<AnyTensor> => {
  const [n, cin, h, wd] = xShape;
  const cout = w.shape[1];
  const cp = lanes(cin);
  const q = Math.ceil(wd / 4);
  const wHost = (await readTensor(rt, w)).data;
  const wt = new Float32Array(cout * 4 * cp);
  for (let c = 0; c < cin; c++)
    for (let o = 0; o < cout; o++)
      for (let ae = 0; ae < 4; ae++) wt[(o * 4 + ae) * cp + c] = wHost[(c * cout + o) * 4 + ae]!;
  const dx = await rt.scope(async () => {
    const dys = await stack(rt, dy, 2 * h, 8 * q, 0, 0);
    const spec: KernelSpec = {
      op: 'upConv2.vjp.dx',
      source: upConv2DxKernel,
      output: [cp, q, n * h],
      constants: { Cout: cout },
      vec4: true,
      transient: true,
    };
    const r = await rt.compute(spec, [arg3d(dys, 8 * q, 2 * n * h, cout), arg3d(wt, cp, 4, cout)]);
    return unquads(rt, r, n, cin, cp, h, wd);
  });
  return tensorOf(xShape, dx);
};

/** dw of shape `wShape` [Cin, Cout, 2, 2], on the host. */
export const upConv2WeightGrad = async (rt: Runtime, x: AnyTensor, dy: AnyTensor, wShape: Shape): Promise<Tensor> =>
  unsafeTensor(wShape, await rt.scope(() => upConv2Dw(rt, x, dy)));
