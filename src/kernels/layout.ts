/**
 * Data movement shared by the convolution kernels (conv2d, upConv2): the layouts their
 * kernels read and write, on the host (cpu, webasm, headlessgl) or as gpu.js kernels on a
 * resident runtime (webgpu), where activations never leave the GPU.
 *
 * The kernels use "channels as lanes": the fastest thread axis x is the output channel, so
 * webasm's 4 SIMD lanes (4 consecutive thread.x, docs/gpujs-traps.md) compute 4 output channels of the
 * same 4 pixels. Every input-image read is then uniform across the lanes (one scalar load),
 * and only the weight read differs per lane. The channel count is padded to a multiple of
 * 4 (`lanes`) so every row of threads vectorizes; the padded channels are dropped here.
 *
 * A kernel thread returns 4 consecutive output columns (vec4), so a result row holds
 * [quad q][channel c][4 columns] and `fromQuads` reorders it into dense NCHW.
 *
 * Host or device. Each layout has a host function (`stackPlanes`, `padPlanes`, `fromQuads`,
 * `fromUpQuads`, on Float32Arrays) and a kernel version (`stackOnDevice`, `padOnDevice`,
 * `unquadsOnDevice`, `unUpQuadsOnDevice`: copies, so bit-identical to the host functions;
 * test/kernels/layout.test.ts checks that on every backend). The conv kernels call the choosers
 * `stack`, `padPlanesOf`, `unquads`, `unUpQuads`: the kernel on a resident runtime (webgpu), where a
 * host layout would cost a read-back and an upload of every activation, and the host function
 * elsewhere (there kernel results are host arrays already, and the host copies are the tested,
 * measured path whose training numbers the README quotes).
 *
 * Cost note (measured, Nov 2026): gpu.js shapes an Array(4) result into one object per
 * thread before runtime.ts flattens it (webasm: a subarray per thread; cpu: a Float32Array
 * per thread). For a 64×570×570 output that is 5.2 M objects, ~3 s on webasm and ~7 s on cpu,
 * more than the 1→64 conv itself (0.35 s). The webasm kernel's flat buffer is already in
 * the right order, so runtime.ts can skip that step (return the flat data from the kernel's
 * `_shapeOutput`); these layers need no change for that.
 */
import { isDeviceArray, isDeviceTensor, storedOf, tensorOf, type AnyTensor, type Stored } from '../tensor/device-tensor.js';
import { arg3d, type KernelSpec, type Runtime } from '../runtime/core.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { asArg } from './pointwise.js';

/** Channel count rounded up to a multiple of the 4 SIMD lanes. */
export const lanes = (c: number): number => Math.ceil(c / 4) * 4;

/**
 * Where a host layout gets its zero-filled result: a new array, or `rt.scratch` when the layout
 * is a kernel argument that dies with the op's scope (recycled: no garbage per training step).
 * `zeroed` false: the caller writes every element (a reused array need not be cleared first).
 */
export type Alloc = (length: number, zeroed?: boolean) => Float32Array;
/** The default `Alloc`: a new (zero) array, left to the garbage collector. */
export const newArray: Alloc = (length) => new Float32Array(length);

/**
 * Zeroes what a layout of `stacks` planes of rows × ws does not overwrite: planes ≥ c, the rows
 * where `filled(row)` is false, and columns outside [xa, xb) of the others.
 */
const zeroOutside = (dst: Float32Array, c: number, stacks: number, rows: number, ws: number, filled: (row: number) => boolean, xa: number, xb: number): void => {
  const plane = rows * ws;
  dst.fill(0, c * plane, stacks * plane);
  for (let r = 0; r < rows; r++) {
    const keep = filled(r);
    for (let ci = 0; ci < c; ci++) {
      const o = ci * plane + r * ws;
      if (!keep) dst.fill(0, o, o + ws);
      else {
        if (xa > 0) dst.fill(0, o, o + xa);
        if (xb < ws) dst.fill(0, o + xb, o + ws);
      }
    }
  }
};

/**
 * Stacks the images of a batch per channel: src [n, c, h, w] becomes c stacks of n·hs + extra
 * rows of width ws (a kernel argument [ws, n·hs + extra, c]), with source pixel (y, x) of
 * image i at stack row i·hs + y + top, column x + left; everything else is zero (the conv's
 * zero padding; negative offsets crop); `stacks` ≥ c adds all-zero channels. With images stacked along y, a kernel can find an
 * image row as (thread row + tap row) with no division by the image height; the few output
 * rows that straddle two images are computed and dropped.
 */
export const stackPlanes = (
  src: Float32Array,
  [n, c, h, w]: readonly [number, number, number, number],
  hs: number,
  ws: number,
  top: number,
  left: number,
  extra = 0,
  stacks = c,
  alloc: Alloc = newArray,
): Float32Array => {
  if (n === 1 && extra === 0 && stacks === c && top === 0 && left === 0 && hs === h && ws === w) return src;
  const rows = n * hs + extra;
  // Source rows/columns that land inside each image's hs×ws slot.
  const y0 = Math.max(0, -top);
  const y1 = Math.min(h, hs - top);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(w, ws - left);
  if (y1 <= y0 || x1 <= x0) return alloc(stacks * rows * ws);
  // A reused array is not cleared first: the zeros go only where no pixel lands (a pass saved).
  const dst = alloc(stacks * rows * ws, false);
  zeroOutside(dst, c, stacks, rows, ws, (r) => {
    const y = r % hs;
    return r < n * hs && y >= y0 + top && y < y1 + top;
  }, x0 + left, x1 + left);
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      const sp = (ni * c + ci) * h * w;
      const dp = ci * rows * ws + ni * hs * ws;
      for (let y = y0; y < y1; y++) {
        const s = sp + y * w;
        dst.set(src.subarray(s + x0, s + x1), dp + (y + top) * ws + x0 + left);
      }
    }
  }
  return dst;
};

/**
 * Copies `planes` planes of H×W into zero planes of Hp×Wp with the source pixel (y, x) at
 * (y + top, x + left). Negative offsets crop. The result is a kernel argument [Wp, Hp, planes].
 */
export const padPlanes = (
  src: Float32Array,
  planes: number,
  h: number,
  w: number,
  hp: number,
  wp: number,
  top: number,
  left: number,
  alloc: Alloc = newArray,
): Float32Array => stackPlanes(src, [1, planes, h, w], hp, wp, top, left, 0, planes, alloc);

/**
 * Stacks the images of a batch with the channel fastest: src [n, c, h, w] becomes the kernel
 * argument [cp, ws, n·hs] (dst[(i·hs + y)·ws + x][ch] = src[i, ch, y, x]), zero where y ≥ h,
 * x ≥ w or ch ≥ c. A kernel whose lanes are channels (thread.x) then reads 4 consecutive
 * values per lane quad: one vector load instead of a gather (docs/gpujs-wasm-codegen.md).
 */
export const stackChannelsLast = (
  src: Float32Array,
  [n, c, h, w]: readonly [number, number, number, number],
  hs: number,
  ws: number,
  cp: number,
  alloc: Alloc = newArray,
): Float32Array => {
  const dst = alloc(n * hs * ws * cp);
  const hh = Math.min(h, hs);
  const ww = Math.min(w, ws);
  const plane = h * w;
  // Writes in order, reads one value from each of the c planes per pixel: measured 5–9× faster
  // than plane by plane (strided writes) at 64×568² (83 vs 420–790 ms).
  for (let ni = 0; ni < n; ni++) {
    for (let y = 0; y < hh; y++) {
      const row = ni * c * plane + y * w;
      let d = (ni * hs + y) * ws * cp;
      for (let x = 0; x < ww; x++, d += cp) {
        let s = row + x;
        for (let ci = 0; ci < c; ci++, s += plane) dst[d + ci] = src[s]!;
      }
    }
  }
  return dst;
};

/**
 * Reorders a channels-as-lanes result into dense NCHW [n, c, y, x]. The kernel ran with
 * output [cp, q, rows] and 4 values per thread, image n's row y being result row
 * n·stride + y, so value (n, c, y, 4·qi + j) sits at r[(((n·stride + y)·q + qi)·cp + c)·4 + j].
 * Padded channels (c ≥ C), padded columns (x ≥ wo, the last quad's extra lanes) and rows
 * between images are dropped.
 */
export const fromQuads = (r: Float32Array, n: number, c: number, cp: number, ho: number, wo: number, stride = ho, alloc: Alloc = newArray): Float32Array => {
  const q = Math.ceil(wo / 4);
  const rows = r.length / (q * cp * 4);
  if (!Number.isInteger(rows) || rows < (n - 1) * stride + ho) throw new Error(`fromQuads: ${r.length} values do not hold ${n} images of ${ho} rows (stride ${stride})`);
  const out = alloc(n * c * ho * wo, false);
  const full = wo >> 2;
  const tail = wo - 4 * full;
  for (let ni = 0; ni < n; ni++) {
    for (let y = 0; y < ho; y++) {
      const rowBase = (ni * stride + y) * q * cp * 4;
      for (let ch = 0; ch < c; ch++) {
        let d = ((ni * c + ch) * ho + y) * wo;
        let s = rowBase + ch * 4;
        for (let qi = 0; qi < full; qi++, s += cp * 4, d += 4) {
          out[d] = r[s]!;
          out[d + 1] = r[s + 1]!;
          out[d + 2] = r[s + 2]!;
          out[d + 3] = r[s + 3]!;
        }
        for (let j = 0; j < tail; j++) out[d + j] = r[s + j]!;
      }
    }
  }
  return out;
};

/** Pads a per-channel vector (a bias) with zeros to `cp` values. */
export const padVector = (v: Float32Array, cp: number): Float32Array => {
  if (v.length === cp) return v;
  const out = new Float32Array(cp);
  out.set(v.subarray(0, Math.min(v.length, cp)));
  return out;
};

/**
 * Reorders the upConv2 forward result into NCHW: thread (ae·Cout' + o, q, n·H + i) value m is
 * y[n, o, 2i + a, 8q + 2m + e] (ae = 2a + e); padded channels and columns ≥ 2W are dropped.
 */
export const fromUpQuads = (r: Float32Array, n: number, cout: number, cp: number, h: number, w: number, alloc: Alloc = newArray): Float32Array => {
  const q = Math.ceil(w / 4);
  const wo = 2 * w;
  const out = alloc(n * cout * 2 * h * wo, false);
  for (let ni = 0; ni < n; ni++)
    for (let i = 0; i < h; i++) {
      const rowBase = (ni * h + i) * q * 4 * cp * 4;
      for (let ae = 0; ae < 4; ae++) {
        const a = ae >> 1;
        const e = ae & 1;
        for (let o = 0; o < cout; o++) {
          const d = ((ni * cout + o) * 2 * h + 2 * i + a) * wo + e;
          let s = rowBase + (ae * cp + o) * 4;
          for (let qi = 0; qi < q; qi++, s += 16 * cp) {
            const x0 = 8 * qi;
            for (let m = 0; m < 4 && x0 + 2 * m < wo; m++) out[d + x0 + 2 * m] = r[s + m]!;
          }
        }
      }
    }
  return out;
};

// ---------------------------------------------------------------- the same layouts as kernels
// Pure copies (no arithmetic on values), so they are bit-identical to the host functions.
// Every index is 3-D and below 2^24 (docs/gpujs-traps.md, trap 1), none of them loops, and reads that could
// leave their array sit behind an `if` on the constants (webasm also clamps such lanes).

/** The host data of a tensor; device tensors exist only on a resident runtime. */
export const hostData = (op: string, t: AnyTensor): Float32Array => {
  if (isDeviceTensor(t)) throw new Error(`${op}: a device tensor on a runtime that is not resident`);
  return t.data;
};

/**
 * stackPlanes as a kernel. Thread (x, y, z) is column x of stacked row y of stack z:
 * image ni = ⌊y / HS⌋, source pixel (y − ni·HS − TOP, x − LEFT) of plane (ni, z), or 0 where
 * that is outside the image, ni ≥ N (the extra rows) or z ≥ C (the extra zero stacks).
 * src is [W, H, N·C] (`asArg`).
 */
function stackKernel(this: KernelThis, src: number[][][]): number {
  const ni = Math.floor(this.thread.y / this.constants.HS!);
  const y = this.thread.y - ni * this.constants.HS! - this.constants.TOP!;
  const x = this.thread.x - this.constants.LEFT!;
  let v = 0;
  if (ni < this.constants.N! && this.thread.z < this.constants.C! && y >= 0 && y < this.constants.H! && x >= 0 && x < this.constants.W!) {
    v = src[ni * this.constants.C! + this.thread.z]![y]![x]!;
  }
  return v;
}

/**
 * `stackPlanes` of a tensor (host or device) by a kernel, always (on a resident runtime the
 * result stays on the device); the tensor's own values when the layout is unchanged.
 */
export const stackOnDevice = async (
  rt: Runtime,
  t: AnyTensor,
  hs: number,
  ws: number,
  top: number,
  left: number,
  extra = 0,
  stacks = t.shape[1],
): Promise<Stored> => {
  const [n, c, h, w] = t.shape;
  if (n === 1 && extra === 0 && stacks === c && top === 0 && left === 0 && hs === h && ws === w) return storedOf(t);
  const rows = n * hs + extra;
  if (ws * rows * stacks === 0) return new Float32Array(0);
  const spec: KernelSpec = {
    op: 'conv.stack',
    source: stackKernel,
    output: [ws, rows, stacks],
    constants: { N: n, C: c, H: h, W: w, HS: hs, TOP: top, LEFT: left },
  };
  return rt.compute(spec, [asArg(t)]);
};

/**
 * `stackPlanes` of `t`: a kernel on a resident runtime (webgpu: the activation stays on the
 * GPU), the host function elsewhere (unchanged results on cpu, webasm, headlessgl).
 * The result is a kernel argument [ws, n·hs + extra, stacks].
 */
export const stack = async (
  rt: Runtime,
  t: AnyTensor,
  hs: number,
  ws: number,
  top: number,
  left: number,
  extra = 0,
  stacks = t.shape[1],
): Promise<Stored> =>
  rt.resident ? stackOnDevice(rt, t, hs, ws, top, left, extra, stacks) : stackPlanes(hostData('conv.stack', t), t.shape, hs, ws, top, left, extra, stacks, rt.scratch);

/** The N·C planes of t as one image of N·C channels (the same values, no copy). */
const asPlanes = (t: AnyTensor): AnyTensor => tensorOf([1, t.shape[0] * t.shape[1], t.shape[2], t.shape[3]], storedOf(t));

/** `padPlanes` of every plane of t [N, C, H, W] by a kernel, always: a kernel argument [wp, hp, N·C]. */
export const padOnDevice = (rt: Runtime, t: AnyTensor, hp: number, wp: number, top: number, left: number): Promise<Stored> =>
  stackOnDevice(rt, asPlanes(t), hp, wp, top, left);

/** `padPlanes` of every plane of t: a kernel on a resident runtime, the host function elsewhere. */
export const padPlanesOf = async (rt: Runtime, t: AnyTensor, hp: number, wp: number, top: number, left: number): Promise<Stored> => {
  const [n, c, h, w] = t.shape;
  return rt.resident ? padOnDevice(rt, t, hp, wp, top, left) : padPlanes(hostData('conv.pad', t), n * c, h, w, hp, wp, top, left, rt.scratch);
};

/**
 * stackChannelsLast as a kernel. Thread (x, y, z) is channel x of column y of stacked row z:
 * image ni = ⌊z / HS⌋, source pixel (z − ni·HS, y) of plane (ni, x), or 0 outside the image
 * or for a padded channel. src is [W, H, N·C] (`asArg`).
 */
function stackLastKernel(this: KernelThis, src: number[][][]): number {
  const ni = Math.floor(this.thread.z / this.constants.HS!);
  const y = this.thread.z - ni * this.constants.HS!;
  let v = 0;
  if (this.thread.x < this.constants.C! && y < this.constants.H! && this.thread.y < this.constants.W!) {
    v = src[ni * this.constants.C! + this.thread.x]![y]![this.thread.y]!;
  }
  return v;
}

/** `stackChannelsLast` of a tensor (host or device) by a kernel, always. */
export const stackLastOnDevice = async (rt: Runtime, t: AnyTensor, hs: number, ws: number, cp: number): Promise<Stored> => {
  const [n, c, h, w] = t.shape;
  if (n * hs * ws * cp === 0) return new Float32Array(0);
  const spec: KernelSpec = { op: 'conv.stackLast', source: stackLastKernel, output: [cp, ws, n * hs], constants: { C: c, H: h, W: w, HS: hs } };
  return rt.compute(spec, [asArg(t)]);
};

/** `stackChannelsLast` of `t`: a kernel on a resident runtime, the host function elsewhere (a kernel argument [cp, ws, n·hs]). */
export const stackLast = async (rt: Runtime, t: AnyTensor, hs: number, ws: number, cp: number): Promise<Stored> =>
  rt.resident ? stackLastOnDevice(rt, t, hs, ws, cp) : stackChannelsLast(hostData('conv.stackLast', t), t.shape, hs, ws, cp, rt.scratch);

/**
 * fromQuads as a kernel. Thread (x, y, z = n·C + c) is value (n, c, y, x) = r[n·S + y][qi][4c + j]
 * with x = 4qi + j: r is the vec4 result [cp, q, rows] seen as scalars [4·cp, q, rows].
 */
function unquadsKernel(this: KernelThis, r: number[][][]): number {
  const ni = Math.floor(this.thread.z / this.constants.C!);
  const qi = Math.floor(this.thread.x / 4);
  return r[ni * this.constants.S! + this.thread.y]![qi]![(this.thread.z - ni * this.constants.C!) * 4 + this.thread.x - qi * 4]!;
}

/** `fromQuads` by a kernel, always: dense NCHW (a kernel argument [wo, ho, n·c]). */
export const unquadsOnDevice = async (rt: Runtime, r: Stored, n: number, c: number, cp: number, ho: number, wo: number, stride = ho): Promise<Stored> => {
  const q = Math.ceil(wo / 4);
  const rows = r.length / (q * cp * 4);
  if (!Number.isInteger(rows) || rows < (n - 1) * stride + ho) throw new Error(`fromQuads: ${r.length} values do not hold ${n} images of ${ho} rows (stride ${stride})`);
  if (n * c * ho * wo === 0) return new Float32Array(0);
  const spec: KernelSpec = { op: 'conv.unquads', source: unquadsKernel, output: [wo, ho, n * c], constants: { C: c, S: stride } };
  return rt.compute(spec, [arg3d(r, 4 * cp, q, rows)]);
};

/** `fromQuads` of a kernel result: a kernel when it is on the device (resident runtime), the host function otherwise. */
export const unquads = async (rt: Runtime, r: Stored, n: number, c: number, cp: number, ho: number, wo: number, stride = ho): Promise<Stored> =>
  isDeviceArray(r) ? unquadsOnDevice(rt, r, n, c, cp, ho, wo, stride) : fromQuads(r, n, c, cp, ho, wo, stride, rt.alloc);

/**
 * fromUpQuads as a kernel. Thread (x, y, z = n·Cout + o) is y[n, o, y, x] with y = 2i + a,
 * x = 8qi + 2m + e: r[n·H + i][qi][((2a + e)·CP + o)·4 + m], r being the vec4 result
 * [4·cp, q, n·H] seen as scalars [16·cp, q, n·H].
 */
function unUpQuadsKernel(this: KernelThis, r: number[][][]): number {
  const ni = Math.floor(this.thread.z / this.constants.C!);
  const i = Math.floor(this.thread.y / 2);
  const qi = Math.floor(this.thread.x / 8);
  const m = Math.floor((this.thread.x - qi * 8) / 2);
  return r[ni * this.constants.H! + i]![qi]![(((this.thread.y - i * 2) * 2 + this.thread.x - qi * 8 - m * 2) * this.constants.CP! + this.thread.z - ni * this.constants.C!) * 4 + m]!;
}

/** `fromUpQuads` by a kernel, always: dense NCHW [n, cout, 2h, 2w] (a kernel argument [2w, 2h, n·cout]). */
export const unUpQuadsOnDevice = async (rt: Runtime, r: Stored, n: number, cout: number, cp: number, h: number, w: number): Promise<Stored> => {
  const q = Math.ceil(w / 4);
  if (r.length !== n * h * q * 16 * cp) throw new Error(`fromUpQuads: ${r.length} values, expected ${n}×${h}×${q}×${16 * cp}`);
  if (n * cout * h * w === 0) return new Float32Array(0);
  const spec: KernelSpec = { op: 'upConv2.unquads', source: unUpQuadsKernel, output: [2 * w, 2 * h, n * cout], constants: { C: cout, CP: cp, H: h } };
  return rt.compute(spec, [arg3d(r, 16 * cp, q, n * h)]);
};

/** `fromUpQuads` of a kernel result: a kernel when it is on the device (resident runtime), the host function otherwise. */
export const unUpQuads = async (rt: Runtime, r: Stored, n: number, cout: number, cp: number, h: number, w: number): Promise<Stored> =>
  isDeviceArray(r) ? unUpQuadsOnDevice(rt, r, n, cout, cp, h, w) : fromUpQuads(r, n, cout, cp, h, w, rt.alloc);
