/**
 * GPU.js kernels of the k×k convolution (the math, reference and VJP: src/layers/conv2d.ts).
 *
 * Kernel formulation (measured on webasm; see ./layout.ts): channels as SIMD lanes.
 * Thread (o, q, z) computes output channel o at 4 consecutive pixels (row z, columns
 * 4q … 4q+3) and returns them as vec4. webasm runs 4 consecutive thread.x as one SIMD quad,
 * so every input read is uniform (one scalar load) and only the weight read is a 4-lane
 * gather (~7 ns, the dominant cost): 9 gathers per 36 multiply-adds for 3×3. The window is
 * unrolled for k = 3 and k = 1, a loop over the constant K otherwise.
 * Arguments: the zero-padded input with the batch stacked along y, [Wp, N·Hp, Cin]
 * (Hp = Ho + k − 1, Wp = 4·⌈Wo/4⌉ + k − 1, so the last quad's extra columns read zeros and
 * nothing reads out of bounds; output row i of image n is stacked row n·Hp + i, and the
 * (N−1)(k−1) rows straddling two images are computed and dropped); weights [Cout', k², Cin]
 * (wt[c][t][o], Cout' = Cout rounded up to 4, padded lanes zero); bias [Cout']. Every index
 * is an expression of thread ids, literals and loop counters with no float locals (~15%
 * faster than float locals; gpu.js still keeps loop counters as floats, so the wasm converts
 * them, see docs/performance.md), every loop is bounded by a
 * `this.constants` value, and all indices are 3-D, so none reaches 2^24 (docs/gpujs-traps.md, trap 1) even
 * for 64×570×570 activations.
 * dx runs the same kernels on dy padded by k−1−p (negative = cropped) with flipped,
 * transposed weights. dw is a two-stage row-block reduction (./reduce.ts); for 3×3,
 * thread (o, 3c + u, blk) accumulates dw[o, c, u, 0…2] over R stacked rows, 8 columns per
 * step (one dy gather per 3 multiply-adds); other k use 4 flattened (c, u, v) columns per
 * thread. db sums dy per channel the same two-stage way.
 *
 * Where the values live. x and dy may be host or device tensors. On a resident runtime
 * (webgpu) the padding/stacking before the kernels and the quad reordering after them run as
 * gpu.js copy kernels (./layout.ts `stack`, `padPlanesOf`, `unquads`), so activations never go to
 * the host: y and dx are device tensors, and each op's intermediate buffers are freed when it
 * returns (a runtime scope). Elsewhere (cpu, webasm, headlessgl) those layouts are the host
 * functions, exactly as before. Weights and biases are small: they are read to the host
 * (`readTensor`, free for host tensors) for the transposes below; dw and db are host tensors.
 */
import { unsafeTensor, type Shape, type Tensor } from '../tensor/tensor.js';
import { readTensor, tensorOf, type AnyTensor, type Stored } from '../tensor/device-tensor.js';
import { arg1d, arg3d, type KernelSpec, type Runtime } from '../runtime/core.js';
import type { KernelSource, KernelThis } from '../runtime/gpujs.js';
import { asArg } from './pointwise.js';
import { fromQuads, lanes, padPlanesOf, padVector, stack, stackLast, unquads } from './layout.js';
import { channelSlice } from './concat.js';
import { rowBlocks, sumPartials } from './reduce.js';

// ---------------------------------------------------------------- kernels

/**
 * 3×3, unrolled. Thread (o, q, z) computes output channel o at stacked row z, columns
 * 4q … 4q+3 (image n's output row i is z = n·Hp + i, see stackPlanes):
 *   s_m = b[o] + Σ_c Σ_{u,v<3} xp[c][z + u][4q + m + v] · wt[c][3u + v][o].
 * xp [Wp, N·Hp, Cin] (padded, stacked input), wt [Cout', 9, Cin] (wt[c][t][o] = w[o, c, t]),
 * b [Cout']. Every index is an expression of thread ids and loop counters, no float locals,
 * all < 2^24.
 */
function conv3Kernel(this: KernelThis, xp: number[][][], wt: number[][][], b: number[]): number[] {
  const bias = b[this.thread.x]!;
  let s0 = bias;
  let s1 = bias;
  let s2 = bias;
  let s3 = bias;
  for (let c = 0; c < this.constants.Cin!; c++) {
    const a0 = xp[c]![this.thread.z]![this.thread.y * 4]!;
    const a1 = xp[c]![this.thread.z]![this.thread.y * 4 + 1]!;
    const a2 = xp[c]![this.thread.z]![this.thread.y * 4 + 2]!;
    const a3 = xp[c]![this.thread.z]![this.thread.y * 4 + 3]!;
    const a4 = xp[c]![this.thread.z]![this.thread.y * 4 + 4]!;
    const a5 = xp[c]![this.thread.z]![this.thread.y * 4 + 5]!;
    const w0 = wt[c]![0]![this.thread.x]!;
    const w1 = wt[c]![1]![this.thread.x]!;
    const w2 = wt[c]![2]![this.thread.x]!;
    s0 += a0 * w0 + a1 * w1 + a2 * w2;
    s1 += a1 * w0 + a2 * w1 + a3 * w2;
    s2 += a2 * w0 + a3 * w1 + a4 * w2;
    s3 += a3 * w0 + a4 * w1 + a5 * w2;
    const c0 = xp[c]![this.thread.z + 1]![this.thread.y * 4]!;
    const c1 = xp[c]![this.thread.z + 1]![this.thread.y * 4 + 1]!;
    const c2 = xp[c]![this.thread.z + 1]![this.thread.y * 4 + 2]!;
    const c3 = xp[c]![this.thread.z + 1]![this.thread.y * 4 + 3]!;
    const c4 = xp[c]![this.thread.z + 1]![this.thread.y * 4 + 4]!;
    const c5 = xp[c]![this.thread.z + 1]![this.thread.y * 4 + 5]!;
    const w3 = wt[c]![3]![this.thread.x]!;
    const w4 = wt[c]![4]![this.thread.x]!;
    const w5 = wt[c]![5]![this.thread.x]!;
    s0 += c0 * w3 + c1 * w4 + c2 * w5;
    s1 += c1 * w3 + c2 * w4 + c3 * w5;
    s2 += c2 * w3 + c3 * w4 + c4 * w5;
    s3 += c3 * w3 + c4 * w4 + c5 * w5;
    const d0 = xp[c]![this.thread.z + 2]![this.thread.y * 4]!;
    const d1 = xp[c]![this.thread.z + 2]![this.thread.y * 4 + 1]!;
    const d2 = xp[c]![this.thread.z + 2]![this.thread.y * 4 + 2]!;
    const d3 = xp[c]![this.thread.z + 2]![this.thread.y * 4 + 3]!;
    const d4 = xp[c]![this.thread.z + 2]![this.thread.y * 4 + 4]!;
    const d5 = xp[c]![this.thread.z + 2]![this.thread.y * 4 + 5]!;
    const w6 = wt[c]![6]![this.thread.x]!;
    const w7 = wt[c]![7]![this.thread.x]!;
    const w8 = wt[c]![8]![this.thread.x]!;
    s0 += d0 * w6 + d1 * w7 + d2 * w8;
    s1 += d1 * w6 + d2 * w7 + d3 * w8;
    s2 += d2 * w6 + d3 * w7 + d4 * w8;
    s3 += d3 * w6 + d4 * w7 + d5 * w8;
  }
  if (this.constants.Relu! > 0) {
    s0 = Math.max(s0, 0);
    s1 = Math.max(s1, 0);
    s2 = Math.max(s2, 0);
    s3 = Math.max(s3, 0);
  }
  return [s0, s1, s2, s3];
}

/** 1×1: s_m = b[o] + Σ_c xp[c][z][4q + m] · wt[c][0][o]. Same layout as conv3Kernel. */
function conv1Kernel(this: KernelThis, xp: number[][][], wt: number[][][], b: number[]): number[] {
  const bias = b[this.thread.x]!;
  let s0 = bias;
  let s1 = bias;
  let s2 = bias;
  let s3 = bias;
  for (let c = 0; c < this.constants.Cin!; c++) {
    const wv = wt[c]![0]![this.thread.x]!;
    s0 += xp[c]![this.thread.z]![this.thread.y * 4]! * wv;
    s1 += xp[c]![this.thread.z]![this.thread.y * 4 + 1]! * wv;
    s2 += xp[c]![this.thread.z]![this.thread.y * 4 + 2]! * wv;
    s3 += xp[c]![this.thread.z]![this.thread.y * 4 + 3]! * wv;
  }
  if (this.constants.Relu! > 0) {
    s0 = Math.max(s0, 0);
    s1 = Math.max(s1, 0);
    s2 = Math.max(s2, 0);
    s3 = Math.max(s3, 0);
  }
  return [s0, s1, s2, s3];
}

/** Any k (loops over the constant K). Same layout as conv3Kernel. */
function convKKernel(this: KernelThis, xp: number[][][], wt: number[][][], b: number[]): number[] {
  const bias = b[this.thread.x]!;
  let s0 = bias;
  let s1 = bias;
  let s2 = bias;
  let s3 = bias;
  for (let c = 0; c < this.constants.Cin!; c++) {
    for (let u = 0; u < this.constants.K!; u++) {
      for (let v = 0; v < this.constants.K!; v++) {
        const wv = wt[c]![u * this.constants.K! + v]![this.thread.x]!;
        s0 += xp[c]![this.thread.z + u]![this.thread.y * 4 + v]! * wv;
        s1 += xp[c]![this.thread.z + u]![this.thread.y * 4 + v + 1]! * wv;
        s2 += xp[c]![this.thread.z + u]![this.thread.y * 4 + v + 2]! * wv;
        s3 += xp[c]![this.thread.z + u]![this.thread.y * 4 + v + 3]! * wv;
      }
    }
  }
  if (this.constants.Relu! > 0) {
    s0 = Math.max(s0, 0);
    s1 = Math.max(s1, 0);
    s2 = Math.max(s2, 0);
    s3 = Math.max(s3, 0);
  }
  return [s0, s1, s2, s3];
}

/**
 * Weight-gradient stage 1. Thread (o, g, n·B + blk) returns the partial sums, over rows
 * [blk·R, blk·R + R) of image n, of the 4 dw columns j = 4g … 4g+3 of output channel o,
 * where column j = c·k² + u·k + v. Columns ≥ Cin·k² and padded lanes o ≥ Cout are clamped
 * to real ones (in-bounds reads) and dropped by the caller.
 * dy [Wo, Ho, N·Cout], xp [Wo + k − 1, Ho + k − 1, N·Cin] (input padded by p).
 */
function convDwKernel(this: KernelThis, dy: number[][][], xp: number[][][]): number[] {
  const o = Math.min(this.thread.x, this.constants.Cout! - 1);
  const n = Math.floor(this.thread.z / this.constants.B!);
  const blk = this.thread.z - n * this.constants.B!;
  const j0 = this.thread.y * 4;
  const ja = Math.min(j0, this.constants.J! - 1);
  const jb = Math.min(j0 + 1, this.constants.J! - 1);
  const jc = Math.min(j0 + 2, this.constants.J! - 1);
  const jd = Math.min(j0 + 3, this.constants.J! - 1);
  const ca = Math.floor(ja / this.constants.KK!);
  const cb = Math.floor(jb / this.constants.KK!);
  const cc = Math.floor(jc / this.constants.KK!);
  const cd = Math.floor(jd / this.constants.KK!);
  const ua = Math.floor((ja - ca * this.constants.KK!) / this.constants.K!);
  const ub = Math.floor((jb - cb * this.constants.KK!) / this.constants.K!);
  const uc = Math.floor((jc - cc * this.constants.KK!) / this.constants.K!);
  const ud = Math.floor((jd - cd * this.constants.KK!) / this.constants.K!);
  const va = ja - ca * this.constants.KK! - ua * this.constants.K!;
  const vb = jb - cb * this.constants.KK! - ub * this.constants.K!;
  const vc = jc - cc * this.constants.KK! - uc * this.constants.K!;
  const vd = jd - cd * this.constants.KK! - ud * this.constants.K!;
  const za = n * this.constants.Cin! + ca;
  const zb = n * this.constants.Cin! + cb;
  const zc = n * this.constants.Cin! + cc;
  const zd = n * this.constants.Cin! + cd;
  const zg = n * this.constants.Cout! + o;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let r = 0; r < this.constants.R!; r++) {
    const y = blk * this.constants.R! + r;
    if (y < this.constants.Ho!) {
      for (let x = 0; x < this.constants.Wo!; x++) {
        const g = dy[zg]![y]![x]!;
        s0 += g * xp[za]![y + ua]![x + va]!;
        s1 += g * xp[zb]![y + ub]![x + vb]!;
        s2 += g * xp[zc]![y + uc]![x + vc]!;
        s3 += g * xp[zd]![y + ud]![x + vd]!;
      }
    }
  }
  return [s0, s1, s2, s3];
}

/**
 * Weight-gradient stage 1 for 3×3 (unrolled like the forward). Thread (o, 3c + u, blk)
 * returns the partial sums of dw[o, c, u, 0…2] (the 4th value is unused) over the stacked
 * rows [blk·R, blk·R + R), 8 columns per step:
 *   s_v += Σ_{m<8} dy[y][8q + m][o] · xp[c][y + u][8q + m + v].
 * dy [Cout', 8Q, N·Hs] is stacked with the channel fastest (`stackChannelsLast`), so the 4
 * lanes (o … o+3) read 4 consecutive values: one vector load (docs/gpujs-wasm-codegen.md)
 * where a channel-slowest layout needed a 4-lane gather; xp [8Q + 2, N·Hs + 2, Cin] is stacked
 * as usual (Hs = Ho + 2 rows per image; dy's 2 rows between images, its padded columns and
 * its padded channels o ≥ Cout are zero). One dy read serves 3 multiply-adds.
 */
function convDw3Kernel(this: KernelThis, dy: number[][][], xp: number[][][]): number[] {
  const c = Math.floor(this.thread.y / 3);
  const u = this.thread.y - c * 3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let r = 0; r < this.constants.R!; r++) {
    const y = this.thread.z * this.constants.R! + r;
    if (y < this.constants.T!) {
      for (let q = 0; q < this.constants.Q!; q++) {
        const g0 = dy[y]![q * 8]![this.thread.x]!;
        const g1 = dy[y]![q * 8 + 1]![this.thread.x]!;
        const g2 = dy[y]![q * 8 + 2]![this.thread.x]!;
        const g3 = dy[y]![q * 8 + 3]![this.thread.x]!;
        const g4 = dy[y]![q * 8 + 4]![this.thread.x]!;
        const g5 = dy[y]![q * 8 + 5]![this.thread.x]!;
        const g6 = dy[y]![q * 8 + 6]![this.thread.x]!;
        const g7 = dy[y]![q * 8 + 7]![this.thread.x]!;
        const a0 = xp[c]![y + u]![q * 8]!;
        const a1 = xp[c]![y + u]![q * 8 + 1]!;
        const a2 = xp[c]![y + u]![q * 8 + 2]!;
        const a3 = xp[c]![y + u]![q * 8 + 3]!;
        const a4 = xp[c]![y + u]![q * 8 + 4]!;
        const a5 = xp[c]![y + u]![q * 8 + 5]!;
        const a6 = xp[c]![y + u]![q * 8 + 6]!;
        const a7 = xp[c]![y + u]![q * 8 + 7]!;
        const a8 = xp[c]![y + u]![q * 8 + 8]!;
        const a9 = xp[c]![y + u]![q * 8 + 9]!;
        s0 += g0 * a0 + g1 * a1 + g2 * a2 + g3 * a3 + g4 * a4 + g5 * a5 + g6 * a6 + g7 * a7;
        s1 += g0 * a1 + g1 * a2 + g2 * a3 + g3 * a4 + g4 * a5 + g5 * a6 + g6 * a7 + g7 * a8;
        s2 += g0 * a2 + g1 * a3 + g2 * a4 + g3 * a5 + g4 * a6 + g5 * a7 + g6 * a8 + g7 * a9;
      }
    }
  }
  return [s0, s1, s2, 0];
}

// ---------------------------------------------------------------- host side

const kernelFor = (k: number): KernelSource => (k === 3 ? conv3Kernel : k === 1 ? conv1Kernel : convKKernel);

/** wt[c][t][o] (3-D [Cout', k², Cin]) from w [Cout, Cin, k, k]; padded lanes are zero. */
const weightsForward = (w: Float32Array, cout: number, cin: number, kk: number): Float32Array => {
  const cp = lanes(cout);
  const wt = new Float32Array(cin * kk * cp);
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++)
      for (let t = 0; t < kk; t++) wt[(c * kk + t) * cp + o] = w[(o * cin + c) * kk + t]!;
  return wt;
};

/** The dx "forward" weights: input channels o, output channels c, flipped taps. */
const weightsBackward = (w: Float32Array, cout: number, cin: number, kk: number): Float32Array => {
  const cp = lanes(cin);
  const wt = new Float32Array(cout * kk * cp);
  for (let o = 0; o < cout; o++)
    for (let c = 0; c < cin; c++)
      for (let t = 0; t < kk; t++) wt[(o * kk + t) * cp + c] = w[(o * cin + c) * kk + (kk - 1 - t)]!;
  return wt;
};

/**
 * Output lanes per kernel pass where layouts live on the host. Every thread walks all Cin input
 * channels for its 4 output channels, so one pixel quad's threads read the whole weight array;
 * at 512→512 that is 9.4 MB, streamed again for every quad. A pass over 64 output channels keeps
 * its weights (1.2 MB at Cin = 512) in L2: measured on webasm, 512→512 at 66² went from 1.57 s to
 * 0.55 s (12 → 35 GFLOP/s) and 256→256 at 30² from 52 to 31 ms; results are bit-identical
 * (each output value is the same sum). On a resident runtime the layer stays one pass.
 */
const LANE_BLOCK = 64;

/** The blocks of output channels [start, start + count) a conv pass runs in: one on a resident runtime, LANE_BLOCK wide elsewhere. */
const laneBlocks = (rt: Runtime, channels: number): readonly { readonly start: number; readonly count: number }[] => {
  const width = rt.resident ? channels : LANE_BLOCK;
  const blocks: { start: number; count: number }[] = [];
  for (let start = 0; start < channels; start += width) blocks.push({ start, count: Math.min(width, channels - start) });
  return blocks;
};

/**
 * A valid k×k conv of `src` [n, cin, h, w] placed at offset `off` inside zero planes large
 * enough for an output of ho×wo: the forward pass (off = pad) and the input gradient
 * (src = dy, off = k − 1 − pad, flipped weights) both run through here. The result is dense
 * NCHW [n, cout, ho, wo]; on a resident runtime it stays on the device. Off the device, wide
 * layers run in blocks of LANE_BLOCK output channels.
 */
const convQuads = (
  rt: Runtime,
  op: string,
  src: AnyTensor,
  wt: Float32Array,
  bias: Float32Array,
  cout: number,
  k: number,
  off: number,
  ho: number,
  wo: number,
  relu: boolean,
): Promise<Stored> =>
  rt.scope(async () => {
    const [n, cin] = src.shape;
    const q = Math.ceil(wo / 4);
    const hp = ho + k - 1;
    const wp = 4 * q + k - 1;
    const cp = lanes(cout);
    const xp = await stack(rt, src, hp, wp, off, off);
    const spec: KernelSpec = {
      op,
      source: kernelFor(k),
      output: [cp, q, n * hp - k + 1],
      constants: k === 1 || k === 3 ? { Cin: cin, Relu: relu ? 1 : 0 } : { Cin: cin, K: k, Relu: relu ? 1 : 0 },
      vec4: true,
      transient: true,
    };
    const xArg = arg3d(xp, wp, n * hp, cin);
    const blocks = laneBlocks(rt, cout);
    if (blocks.length === 1) {
      const r = await rt.compute(spec, [xArg, arg3d(wt, cp, k * k, cin), arg1d(padVector(bias, cp))]);
      return unquads(rt, r, n, cout, cp, ho, wo, hp);
    }
    // Host layouts: one pass per block of output lanes, each writing its channels of the result.
    const out = rt.alloc(n * cout * ho * wo, false);
    const b = padVector(bias, cp);
    for (const { start: o0, count: real } of blocks) {
      const lanesHere = lanes(real);
      const wb = new Float32Array(cin * k * k * lanesHere);
      for (let ct = 0; ct < cin * k * k; ct++) wb.set(wt.subarray(ct * cp + o0, ct * cp + o0 + lanesHere), ct * lanesHere);
      const r = await rt.compute({ ...spec, output: [lanesHere, q, n * hp - k + 1] }, [xArg, arg3d(wb, lanesHere, k * k, cin), arg1d(b.slice(o0, o0 + lanesHere))]);
      const part = fromQuads(r as Float32Array, n, real, lanesHere, ho, wo, hp, rt.scratch);
      for (let ni = 0; ni < n; ni++) out.set(part.subarray(ni * real * ho * wo, (ni + 1) * real * ho * wo), (ni * cout + o0) * ho * wo);
    }
    return out;
  });

/** dw [Cout, Cin, 3, 3] by the two-stage row-block reduction with the unrolled 3×3 kernel. */
const convDw3 = async (rt: Runtime, x: AnyTensor, dy: AnyTensor, pad: number): Promise<Float32Array> => {
  const [n, cin] = x.shape;
  const [, cout, ho, wo] = dy.shape;
  const q = Math.ceil(wo / 8);
  const hs = ho + 2;
  const total = n * hs;
  const xs = await stack(rt, x, hs, 8 * q + 2, pad, pad, 2);
  const dw = new Float32Array(cout * cin * 9);
  // Off the device, wide layers in blocks of LANE_BLOCK output channels (as convQuads): a block's
  // dy rows stay in L2 while every (c, u) thread of the block walks them.
  for (const { start: o0, count: real } of laneBlocks(rt, cout)) {
    const lanesHere = lanes(real);
    const m = cin * 3 * lanesHere * 4;
    const { r, b } = rowBlocks(total, 8 * q, m, 1, m / 4);
    const dys = await stackLast(rt, real === cout ? dy : await channelSlice(rt, dy, [n, real, ho, wo], o0), hs, 8 * q, lanesHere);
    const spec: KernelSpec = {
      op: 'conv2d.vjp.dw',
      source: convDw3Kernel,
      output: [lanesHere, cin * 3, b],
      constants: { R: r, T: total, Q: q },
      vec4: true,
      transient: true,
    };
    const partials = await rt.compute(spec, [arg3d(dys, lanesHere, 8 * q, total), arg3d(xs, 8 * q + 2, total + 2, cin)]);
    const s = await sumPartials(rt, 'conv2d.vjp.dw', partials, m, b);
    for (let o = 0; o < real; o++)
      for (let c = 0; c < cin; c++)
        for (let u = 0; u < 3; u++)
          for (let v = 0; v < 3; v++) dw[(((o0 + o) * cin + c) * 3 + u) * 3 + v] = s[((c * 3 + u) * lanesHere + o) * 4 + v]!;
  }
  return dw;
};

/** dw [Cout, Cin, k, k] (any k) by the two-stage row-block reduction. */
const convDw = async (rt: Runtime, x: AnyTensor, dy: AnyTensor, k: number, pad: number): Promise<Float32Array> => {
  if (k === 3) return convDw3(rt, x, dy, pad);
  const [n, cin] = x.shape;
  const [, cout, ho, wo] = dy.shape;
  const kk = k * k;
  const j = cin * kk;
  const groups = Math.ceil(j / 4);
  const cp = lanes(cout);
  const m = groups * cp * 4;
  const { r, b } = rowBlocks(ho, wo, m, n, m / 4);
  const hp = ho + k - 1;
  const wp = wo + k - 1;
  const xp = await padPlanesOf(rt, x, hp, wp, pad, pad);
  const spec: KernelSpec = {
    op: 'conv2d.vjp.dw',
    source: convDwKernel,
    output: [cp, groups, n * b],
    constants: { Cin: cin, Cout: cout, J: j, KK: kk, K: k, B: b, R: r, Ho: ho, Wo: wo },
    vec4: true,
    transient: true,
  };
  const partials = await rt.compute(spec, [asArg(dy), arg3d(xp, wp, hp, n * cin)]);
  const s = await sumPartials(rt, 'conv2d.vjp.dw', partials, m, n * b);
  const dw = new Float32Array(cout * j);
  for (let o = 0; o < cout; o++) for (let col = 0; col < j; col++) dw[o * j + col] = s[((col >> 2) * cp + o) * 4 + (col & 3)]!;
  return dw;
};

// ---------------------------------------------------------------- the passes

/**
 * y = conv(x, w) + b, of shape `out` (checked by the op), or max(0, that) when `relu` (the
 * ReLU fused into the kernel's last step: the activation is never written un-rectified); on
 * the device on a resident runtime.
 */
export const conv2dForward = async (rt: Runtime, x: AnyTensor, w: AnyTensor, b: AnyTensor, pad: number, out: Shape, relu = false): Promise<AnyTensor> => {
  const [, cin] = x.shape;
  const [cout, , k] = w.shape;
  const [, , ho, wo] = out;
  const wt = weightsForward((await readTensor(rt, w)).data, cout, cin, k * k);
  const bias = (await readTensor(rt, b)).data;
  return tensorOf(out, await convQuads(rt, 'conv2d.forward', x, wt, bias, cout, k, pad, ho, wo, relu));
};

/** dx of shape `xShape`: dy padded by k − 1 − pad through the forward kernel with flipped, transposed weights. */
export const conv2dInputGrad = async (rt: Runtime, dy: AnyTensor, w: AnyTensor, pad: number, xShape: Shape): Promise<AnyTensor> => {
  const [, cin, h, wd] = xShape;
  const [cout, , k] = w.shape;
  const wt = weightsBackward((await readTensor(rt, w)).data, cout, cin, k * k);
  return tensorOf(xShape, await convQuads(rt, 'conv2d.vjp.dx', dy, wt, new Float32Array(lanes(cin)), cin, k, k - 1 - pad, h, wd, false));
};

/** dw of shape `wShape` [Cout, Cin, k, k], on the host. */
export const conv2dWeightGrad = async (rt: Runtime, x: AnyTensor, dy: AnyTensor, wShape: Shape, pad: number): Promise<Tensor> =>
  unsafeTensor(wShape, await rt.scope(() => convDw(rt, x, dy, wShape[2], pad)));
