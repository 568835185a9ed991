/**
 * GPU.js kernels of the channel concatenation (src/layers/concat.ts), layout [W, H, N·C]
 * (the concatenated level-1 map 128×392×392 is 19.7 M values, beyond the 2^24 flat-index
 * limit, docs/gpujs-traps.md, trap 1). Pure copies: kernels where tensors live on the device
 * (a resident runtime), host copies elsewhere — there a kernel costs an upload and a read-back
 * around a loop that moves the same values (as the conv layouts, ./layout.ts).
 */
import type { Shape } from '../tensor/tensor.js';
import { size, unsafeTensor } from '../tensor/tensor.js';
import { storedOf, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import type { Runtime } from '../runtime/runtime.js';
import type { KernelThis } from '../runtime/gpujs.js';
import { runPointwise } from './pointwise.js';
import { hostData } from './layout.js';

// Thread (x, y, z) of the output [W, H, N·C], C = CA + CB: z = n·C + c.
function concatKernel(this: KernelThis, a: number[][][], b: number[][][]): number {
  const n = Math.floor(this.thread.z / this.constants.C!);
  const c = this.thread.z - n * this.constants.C!;
  if (c < this.constants.CA!) {
    return a[n * this.constants.CA! + c]![this.thread.y]![this.thread.x]!;
  }
  return b[n * this.constants.CB! + c - this.constants.CA!]![this.thread.y]![this.thread.x]!;
}

// Thread (x, y, z) of a part [W, H, N·CP] (CP = CA or CB), reading channel OFF + c of dy.
function concatSplitKernel(this: KernelThis, dy: number[][][]): number {
  const n = Math.floor(this.thread.z / this.constants.CP!);
  const c = this.thread.z - n * this.constants.CP!;
  return dy[n * this.constants.C! + this.constants.OFF! + c]![this.thread.y]![this.thread.x]!;
}

/** [a; b] along channels, of shape `out`, by a kernel, always (both parts non-empty). */
export const concatOnDevice = (rt: Runtime, a: AnyTensor, b: AnyTensor, out: Shape): Promise<AnyTensor> =>
  runPointwise(rt, 'concat.forward', concatKernel, out, [a, b], { C: out[1], CA: a.shape[1], CB: b.shape[1] });

/** [a; b] along channels, of shape `out`: a kernel on a resident runtime, host copies elsewhere. */
export const concatForward = async (rt: Runtime, a: AnyTensor, b: AnyTensor, out: Shape): Promise<AnyTensor> => {
  // An empty part (0 channels) cannot be a kernel argument; the other part is the result
  // (tensors are immutable, so sharing its values, on the host or the device, is safe).
  if (size(out) === 0) return unsafeTensor(out, new Float32Array(0));
  if (size(a.shape) === 0) return tensorOf(out, storedOf(b));
  if (size(b.shape) === 0) return tensorOf(out, storedOf(a));
  if (rt.resident) return concatOnDevice(rt, a, b, out);
  // per image: a's channels, then b's (NCHW: each is one contiguous run)
  const [da, db] = [hostData('concat.forward', a), hostData('concat.forward', b)];
  const [sa, sb] = [da.length / out[0], db.length / out[0]];
  const y = rt.alloc(size(out), false);
  for (let n = 0; n < out[0]; n++) {
    y.set(da.subarray(n * sa, (n + 1) * sa), n * (sa + sb));
    y.set(db.subarray(n * sb, (n + 1) * sb), n * (sa + sb) + sa);
  }
  return unsafeTensor(out, y);
};

/** Channels [off, off + part[1]) of dy, as a tensor of shape `part`, by a kernel, always (part non-empty). */
export const channelSliceOnDevice = (rt: Runtime, dy: AnyTensor, part: Shape, off: number): Promise<AnyTensor> =>
  runPointwise(rt, 'concat.vjp', concatSplitKernel, part, [dy], { C: dy.shape[1], CP: part[1], OFF: off });

/** Channels [off, off + part[1]) of dy, as a tensor of shape `part`: a kernel on a resident runtime, host copies (a view for one image) elsewhere. */
export const channelSlice = async (rt: Runtime, dy: AnyTensor, part: Shape, off: number): Promise<AnyTensor> => {
  if (size(part) === 0) return unsafeTensor(part, new Float32Array(0));
  if (rt.resident) return channelSliceOnDevice(rt, dy, part, off);
  const d = hostData('concat.vjp', dy);
  const [n, cp, h, w] = part;
  const plane = h * w;
  // one image: the channels are one contiguous run, shared as a view (tensors are immutable)
  if (n === 1) return unsafeTensor(part, d.subarray(off * plane, (off + cp) * plane));
  const x = rt.alloc(size(part), false);
  for (let i = 0; i < n; i++) {
    const from = (i * dy.shape[1] + off) * plane;
    x.set(d.subarray(from, from + cp * plane), i * cp * plane);
  }
  return unsafeTensor(part, x);
};
