/**
 * The backends every kernel test runs on: cpu and webasm always, webgpu and headlessgl
 * when they start on this machine (see README "Backends"). A test loops over `testBackends`.
 * WebGPU is included on a software adapter too (SwiftShader, found automatically after
 * `scripts/setup-backends.sh`): slow, but it checks the WGSL path.
 */
import { probe, webGpuAdapterReport, type BackendName } from '../../src/runtime/backend.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

const optional: BackendName[] = ['webgpu', 'headlessgl'];
const available: BackendName[] = ['cpu', 'webasm'];
for (const b of optional) {
  // Forced probe: a software WebGPU adapter is fine for correctness tests.
  if ((await probe(b, true)) === undefined) available.push(b);
}
export const testBackends: readonly BackendName[] = available;

const webgpu = available.includes('webgpu') ? await webGpuAdapterReport() : undefined;
const softwareWebGpu = webgpu?.ok === true && webgpu.software ? webgpu.description : undefined;

/**
 * Why `b` is too slow here for paper-size cases (a software WebGPU adapter such as SwiftShader
 * runs ~100× slower than webasm), or undefined when it is not. Tests skip ONLY their
 * paper-size case with it; vitest shows the reason beside the skipped test (verbose reporter):
 *
 * @example
 * it('is exact at a paper-size shape', async ({ skip }) => {
 *   const why = isSoftwareBackend(backend);
 *   skip(why !== undefined, why);
 *   ...
 * });
 */
export const isSoftwareBackend = (b: BackendName): string | undefined =>
  b === 'webgpu' && softwareWebGpu !== undefined ? `webgpu runs on a software adapter (${softwareWebGpu}), ~100× slower than webasm` : undefined;

/** One runtime per backend per test file, disposed by the caller's afterAll. */
const runtimes = new Map<BackendName, Promise<Runtime>>();
export const runtimeFor = (b: BackendName): Promise<Runtime> => {
  let rt = runtimes.get(b);
  if (!rt) runtimes.set(b, (rt = createRuntime({ backend: b })));
  return rt;
};
export const disposeRuntimes = async (): Promise<void> => {
  for (const rt of runtimes.values()) await (await rt).dispose();
  runtimes.clear();
};
