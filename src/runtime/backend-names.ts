/**
 * Backend names, shared by Node and the browser build (no Node built-ins here).
 *
 * `BACKENDS` are the Node backends in preference order; `BROWSER_BACKENDS` those of the browser
 * build (src/runtime/browser.ts): `webgpu` where `navigator.gpu` gives an adapter, else
 * `webgl2`, else `cpu`. A runtime reports the one it verified as `rt.backend`.
 */
export const BACKENDS = ['webgpu', 'headlessgl', 'webasm', 'cpu'] as const;
/** The browser build's backends, in preference order. */
export const BROWSER_BACKENDS = ['webgpu', 'webgl2', 'cpu'] as const;
/** A backend name: one of BACKENDS (Node) or BROWSER_BACKENDS (browser). */
export type BackendName = (typeof BACKENDS)[number] | (typeof BROWSER_BACKENDS)[number];

/** Whether `s` names a Node backend (BACKENDS). */
export const isBackendName = (s: string): s is BackendName => (BACKENDS as readonly string[]).includes(s);

export class BackendError extends Error {
  /**
   * True when the caller named no backend we know (a usage mistake: the CLI exits 2), false
   * when a known backend cannot start on this machine (exit 1).
   */
  readonly unknownName: boolean;
  constructor(message: string, unknownName = false) {
    super(message);
    this.name = 'BackendError';
    this.unknownName = unknownName;
  }
}

/** The gpu.js mode name of each backend. */
export const gpuMode: Record<BackendName, string> = { webgpu: 'webgpu', headlessgl: 'headlessgl', webasm: 'webasm', cpu: 'cpu', webgl2: 'webgl2' };

/** The backend that gpu.js kernel class names mean. */
export const backendOfKernelClass = (className: string): BackendName | undefined =>
  ({ WebGPUKernel: 'webgpu', HeadlessGLKernel: 'headlessgl', WebAssemblyKernel: 'webasm', CPUKernel: 'cpu', WebGL2Kernel: 'webgl2' } as Record<string, BackendName>)[className];
