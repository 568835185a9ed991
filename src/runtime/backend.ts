/**
 * Backend choice. One GPU.js instance per runtime; the backend is chosen once:
 * `webgpu` where a hardware WebGPU adapter answers, else `headlessgl` where a GL context can
 * be made, else `webasm`, else `cpu`. `UNET_BACKEND` or an option forces one, and a forced
 * backend that cannot start is an error that says why and how to fix it.
 *
 * gpu.js changes backends silently (notes trap 5: no display → webasm; webasm runs some
 * kernels on cpu), so the backend in use is verified by running a probe kernel and reading
 * which kernel class actually ran.
 */
import { createRequire } from 'node:module';
import { gpujs, type RawGPU } from './gpujs.js';

const require = createRequire(import.meta.url);

export const BACKENDS = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const isBackendName = (s: string): s is BackendName => (BACKENDS as readonly string[]).includes(s);

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/** Why a backend cannot start here, or undefined when it can. */
export type Probe = Promise<string | undefined>;

interface WebGpuAdapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { readonly description?: string; readonly vendor?: string; readonly device?: string };
}

/**
 * Installs `navigator.gpu` from the `webgpu` npm package (Dawn for Node, 0.6.x). gpu.js's own
 * pinned webgpu 0.2.9 needs glibc 2.38 and does not load on Debian 12.
 */
const installNavigatorGpu = (): string | undefined => {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return undefined;
  let mod: { create: (flags: string[]) => unknown };
  try {
    mod = require('webgpu') as typeof mod;
  } catch (e) {
    return `the 'webgpu' npm package (0.6.x) is not installed or does not load (${(e as Error).message.split('\n')[0]}); run 'npm install webgpu@0.6'`;
  }
  const gpu = mod.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  return undefined;
};

const probeWebGpu = async (allowSoftware: boolean): Probe => {
  const missing = installNavigatorGpu();
  if (missing) return missing;
  const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<WebGpuAdapter | null> } } }).navigator.gpu;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) {
    return 'no WebGPU adapter answered: needs a Vulkan driver (NVIDIA: the driver\'s Vulkan ICD; CPU: apt-get install chromium libvulkan1 and VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)';
  }
  // A software adapter (SwiftShader) is ~100× slower than webasm (notes trap 9): never auto-pick it.
  if (adapter.isFallbackAdapter && !allowSoftware) return 'the only WebGPU adapter is a software fallback (slower than webasm)';
  return undefined;
};

const probeHeadlessGl = async (): Probe => {
  let createGl: (w: number, h: number) => unknown;
  try {
    createGl = require('gl') as typeof createGl;
  } catch {
    return "the optional native 'gl' package is not built: apt-get install libx11-dev libxi-dev libxext-dev pkg-config, then npm rebuild gl";
  }
  const ctx = createGl(2, 2);
  if (!ctx) return 'no GL context could be created: run under xvfb-run (apt-get install xvfb xauth libgl1-mesa-dri)';
  return undefined;
};

const probeWebAsm = async (): Probe =>
  gpujs().GPU.isWebAssemblySupported ? undefined : 'WebAssembly is not supported by this runtime';

/** Whether `name` can start here; `forced` allows a software WebGPU adapter. */
export const probe = (name: BackendName, forced = false): Probe => {
  switch (name) {
    case 'webgpu':
      return probeWebGpu(forced);
    case 'headlessgl':
      return probeHeadlessGl();
    case 'webasm':
      return probeWebAsm();
    case 'cpu':
      return Promise.resolve(undefined);
  }
};

/** The gpu.js mode name of each backend. */
export const gpuMode: Record<BackendName, string> = { webgpu: 'webgpu', headlessgl: 'headlessgl', webasm: 'webasm', cpu: 'cpu' };

/** The backend that gpu.js kernel class names mean. */
export const backendOfKernelClass = (className: string): BackendName | undefined =>
  ({ WebGPUKernel: 'webgpu', HeadlessGLKernel: 'headlessgl', WebAssemblyKernel: 'webasm', CPUKernel: 'cpu' } as Record<string, BackendName>)[className];

/**
 * The backend to use: `requested`, else UNET_BACKEND, else the first that starts in the
 * order webgpu → headlessgl → webasm → cpu.
 */
export const chooseBackend = async (requested?: string): Promise<BackendName> => {
  const want = requested ?? process.env['UNET_BACKEND'];
  if (want !== undefined && want !== '' && want !== 'auto') {
    if (!isBackendName(want)) throw new BackendError(`unknown backend '${want}'; expected one of ${BACKENDS.join(', ')} or auto`);
    const why = await probe(want, true);
    if (why) throw new BackendError(`backend '${want}' cannot start: ${why}`);
    return want;
  }
  for (const b of BACKENDS) if ((await probe(b)) === undefined) return b;
  return 'cpu';
};

/** A GPU.js instance for a backend. */
export const createGpu = (backend: BackendName): RawGPU => new (gpujs().GPU)({ mode: gpuMode[backend] });
