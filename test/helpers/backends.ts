/**
 * The backends every kernel test runs on: cpu and webasm always, webgpu and headlessgl
 * when they start on this machine (see README "Backends"). A test loops over `testBackends`.
 */
import { probe, type BackendName } from '../../src/runtime/backend.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';

const optional: BackendName[] = ['webgpu', 'headlessgl'];
const available: BackendName[] = ['cpu', 'webasm'];
for (const b of optional) {
  // Forced probe: a software WebGPU adapter is fine for correctness tests.
  if ((await probe(b, true)) === undefined) available.push(b);
}
export const testBackends: readonly BackendName[] = available;

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
