/**
 * Tensors whose values stay on the device. On a resident runtime (webgpu, see
 * src/runtime/runtime.ts) every kernel result is a buffer on the GPU; ops pass it to the next
 * kernel without a copy to the host, and only what a caller asks for is read back
 * (`rt.read`). A `DeviceTensor` has no `data`: the type system stops host code from reading
 * device values by accident, and ops take `AnyTensor` (host or device) as input.
 *
 * @example
 * declare const spec: KernelSpec; // a kernel whose output has size(shape) values
 * declare const args: Arg[];      // its arguments, host or device
 * declare const shape: Shape;     // the shape of its output
 * const y = await rt.compute(spec, args);            // Float32Array | DeviceArray
 * const t = tensorOf(shape, y);                      // Tensor | DeviceTensor
 * const host = await readTensor(rt, t);              // Tensor
 */
import type { Shape, Tensor } from './tensor.js';
import { size } from './tensor.js';
import { showShape } from './shape-error.js';

/** Values in a device buffer of the runtime that made it; opaque outside src/runtime. */
export interface DeviceArray {
  readonly kind: 'device';
  /** Number of float32 values. */
  readonly length: number;
}

/** Where a tensor's values are: a host Float32Array or a device array. */
export type Stored = Float32Array | DeviceArray;

export interface DeviceTensor {
  readonly shape: Shape;
  readonly device: DeviceArray;
}

/** A host tensor or a device tensor: what ops take and return. */
export type AnyTensor = Tensor | DeviceTensor;

export const isDeviceArray = (s: Stored): s is DeviceArray => !(s instanceof Float32Array);
export const isDeviceTensor = (t: AnyTensor): t is DeviceTensor => 'device' in t;

/** The values of a tensor, wherever they are. */
export const storedOf = (t: AnyTensor): Stored => (isDeviceTensor(t) ? t.device : t.data);

/** The tensor of a shape over stored values (a programming error when the lengths differ). */
export const tensorOf = (shape: Shape, s: Stored): AnyTensor => {
  if (s.length !== size(shape)) throw new Error(`tensorOf: ${s.length} values, shape ${showShape(shape)} needs ${size(shape)}`);
  return isDeviceArray(s) ? { shape, device: s } : { shape, data: s };
};

/** The runtime functions that move values between host and device. */
export interface Transfer {
  read(s: Stored): Promise<Float32Array>;
  upload(data: Float32Array): Promise<Stored>;
}

/** The tensor's values on the host (a device tensor is read back; a host tensor is returned as is). */
export const readTensor = async (rt: Transfer, t: AnyTensor): Promise<Tensor> =>
  isDeviceTensor(t) ? { shape: t.shape, data: await rt.read(t.device) } : t;

/** The tensor on the device of a resident runtime (as is elsewhere, or when already there). */
export const uploadTensor = async (rt: Transfer, t: AnyTensor): Promise<AnyTensor> =>
  isDeviceTensor(t) ? t : tensorOf(t.shape, await rt.upload(t.data));
