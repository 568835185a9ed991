/**
 * Shared plumbing for element-wise kernels: a tensor [N, C, H, W] is passed to and produced
 * by kernels as a 3-D array [W, H, N·C] (x fastest). 3-D indexing keeps every index below
 * 2^24 even for a 64×570×570 activation (20.8 M values), where a flat float32 index on
 * webasm/GL would read the wrong element (docs/gpujs-traps.md, trap 1).
 */
import type { Shape } from '../tensor/tensor.js';
import { storedOf, tensorOf, type AnyTensor } from '../tensor/device-tensor.js';
import { arg3d, type Arg, type KernelSpec, type Runtime } from '../runtime/core.js';
import type { KernelSource } from '../runtime/gpujs.js';

/** A tensor (host or device) as a 3-D kernel argument [W, H, N·C]. */
export const asArg = (t: AnyTensor): Arg => arg3d(storedOf(t), t.shape[3], t.shape[2], t.shape[0] * t.shape[1]);

/** Runs a kernel with one thread per element of `shape` and wraps the result (on the device on a resident runtime). */
export const runPointwise = async (
  rt: Runtime,
  op: string,
  source: KernelSource,
  shape: Shape,
  args: readonly AnyTensor[],
  constants: Readonly<Record<string, number>> = {},
): Promise<AnyTensor> => {
  const spec: KernelSpec = { op, source, output: [shape[3], shape[2], shape[0] * shape[1]], constants };
  return tensorOf(shape, await rt.compute(spec, args.map(asArg)));
};
