/**
 * Two-stage reductions for weight and bias gradients (docs/gpujs-traps.md: "split the Ho·Wo reduction into
 * row blocks"). Stage 1 kernels sum over a block of R rows per thread (a loop bounded by
 * constants, R·W ≈ 4096 terms), writing one partial per (output, n, block); stage 2 sums the
 * N·B partials of each output. Short float32 sums are both faster (many threads) and more
 * accurate (error grows with the length of each sequential sum) than one Ho·Wo-long loop.
 */
import { unsafeTensor, type Shape, type Tensor } from '../tensor/tensor.js';
import type { AnyTensor, Stored } from '../tensor/device-tensor.js';
import { arg3d, type KernelSpec, type Runtime } from '../runtime/core.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { asArg } from './pointwise.js';
import { hostData, lanes } from './layout.js';

/** Terms per stage-1 thread: long enough to amortize a thread, short enough to stay accurate. */
const TERMS_PER_THREAD = 4096;
/** Keeps every flat index of the partials below 2^24 (docs/gpujs-traps.md, trap 1). */
const MAX_PARTIALS = 1 << 24;

/**
 * Threads a stage-1 kernel should have at least. gpu.js's webasm backend runs a kernel on
 * ⌈threads / 4096⌉ of its worker threads (at most its pool) and one under 4096 on the calling
 * thread: the weight gradients of narrow layers (8×8×9 values × a few row blocks) ran there,
 * alone, 50 ms of a 230 ms `tiny` training step. 4 × 4096 spreads them over up to 4 workers.
 */
export const MIN_STAGE1_THREADS = 4 * 4096;

/**
 * Rows per block R and block count B for a reduction over `rows`×`cols` positions per image,
 * with `outputs` partial values per (image, block) and `n` images; with `threadsPerBlock`
 * (stage-1 threads per image and block), at least enough blocks for MIN_STAGE1_THREADS threads
 * where the rows allow.
 */
export const rowBlocks = (rows: number, cols: number, outputs: number, n: number, threadsPerBlock = 0): { readonly r: number; readonly b: number } => {
  let r = Math.min(rows, Math.max(1, Math.round(TERMS_PER_THREAD / cols)));
  if (threadsPerBlock > 0) r = Math.max(1, Math.min(r, Math.floor(rows / Math.ceil(MIN_STAGE1_THREADS / (threadsPerBlock * n)))));
  while (r < rows && outputs * n * Math.ceil(rows / r) > MAX_PARTIALS) r = Math.min(rows, r * 2);
  // Even blocks: the same b blocks, each ⌈rows / b⌉ rows. Blocks of R rows and a last one of a
  // few left a worker thread idle while the other summed whole blocks (66 rows as 64 + 2: the
  // 128→128 weight gradient at 66² ran at half speed).
  const b = Math.ceil(rows / r);
  return { r: Math.ceil(rows / b), b };
};

/** Stage 2: s[x] = Σ_z p[z][x] over NB partials (p is [M, NB] as a 3-D argument). */
function sumPartialsKernel(this: KernelThis, p: number[][][]): number {
  let s = 0;
  for (let z = 0; z < this.constants.NB!; z++) {
    s += p[0]![z]![this.thread.x]!;
  }
  return s;
}

/**
 * Sums `nb` consecutive blocks of `m` partials: out[i] = Σ_z partials[z·m + i], on the host
 * (these are parameter gradients and loss sums: values a caller asks for). Partials on the
 * device stay there until this last, small kernel.
 */
export const sumPartials = async (rt: Runtime, op: string, partials: Stored, m: number, nb: number): Promise<Float32Array> => {
  if (partials.length !== m * nb) throw new Error(`${op}: ${partials.length} partials, expected ${m}×${nb}`);
  if (nb === 1) return rt.read(partials);
  const spec: KernelSpec = { op: `${op}.sum`, source: sumPartialsKernel, output: [m], constants: { NB: nb } };
  return rt.run(spec, [arg3d(partials, m, nb, 1)]);
};

/**
 * Stage 1 of the per-channel sum (bias gradient): thread (c, 0, n·B + block) sums rows
 * [block·R, block·R + R) of plane (n, c). Channels are lanes (padded to a multiple of 4;
 * padded lanes read the last real channel and are dropped).
 */
function channelBlockSumKernel(this: KernelThis, dy: number[][][]): number {
  const c = Math.min(this.thread.x, this.constants.C! - 1);
  const n = Math.floor(this.thread.z / this.constants.B!);
  const blk = this.thread.z - n * this.constants.B!;
  let s = 0;
  for (let r = 0; r < this.constants.R!; r++) {
    const y = blk * this.constants.R! + r;
    if (y < this.constants.H!) {
      for (let x = 0; x < this.constants.W!; x++) {
        s += dy[n * this.constants.C! + c]![y]![x]!;
      }
    }
  }
  return s;
}

/** Σ over n, y, x of t[n, c, y, x] for each channel c, by the two-stage kernels, always; the sums are read to the host. */
export const channelSumsOnDevice = async (rt: Runtime, op: string, t: AnyTensor): Promise<Float32Array> => {
  const [n, c, h, w] = t.shape;
  const cp = lanes(c);
  const { r, b } = rowBlocks(h, w, cp, n);
  const spec: KernelSpec = {
    op: `${op}.partial`,
    source: channelBlockSumKernel,
    output: [cp, 1, n * b],
    constants: { C: c, B: b, R: r, H: h, W: w },
  };
  const partials = await rt.compute(spec, [asArg(t)]);
  const sums = await sumPartials(rt, op, partials, cp, n * b);
  return sums.slice(0, c);
};

/**
 * Σ over n, y, x of t[n, c, y, x] for each channel c (the bias gradient db, loss sums): the
 * two-stage kernel on a resident runtime; elsewhere one host pass with float64 accumulators
 * (rounded once to float32: at least as accurate as the kernel's float32 partial sums, and a
 * kernel there costs an upload of t for a handful of results).
 */
export const channelSums = async (rt: Runtime, op: string, t: AnyTensor): Promise<Float32Array> => {
  if (rt.resident) return channelSumsOnDevice(rt, op, t);
  const [n, c, h, w] = t.shape;
  const d = hostData(op, t);
  const plane = h * w;
  const sums = new Float32Array(c);
  for (let ci = 0; ci < c; ci++) {
    let s = 0;
    for (let ni = 0; ni < n; ni++) {
      const from = (ni * c + ci) * plane;
      for (let i = from; i < from + plane; i++) s += d[i]!;
    }
    sums[ci] = s;
  }
  return sums;
};

export const biasGrad = async (rt: Runtime, op: string, dy: AnyTensor, bShape: Shape): Promise<Tensor> =>
  unsafeTensor(bShape, await rt.scope(() => channelSums(rt, op, dy)));
