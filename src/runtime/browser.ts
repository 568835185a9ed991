/**
 * The runtime in a browser: ./core.ts (the same runtime and ops as in Node) bound to the
 * browser's platform. gpu.js is the package's browser build (gpu.js's `browser` field:
 * dist/gpu-browser.js, which a bundler picks); the backend is chosen once, in the order of
 * BROWSER_BACKENDS — `webgpu` where `navigator.gpu` gives an adapter, else `webgl2` where a
 * canvas gives a WebGL2 context, else `cpu` — and verified by the probe kernel, as in Node.
 * `rt.backend` reports it; `browserBackends()` says why the others cannot start.
 *
 * A software adapter (SwiftShader, Chromium without a GPU) is used like a hardware one here:
 * in a page there is no faster CPU path to fall back to (webasm's threads are Node workers).
 *
 * @example
 * import { createRuntime } from 'unet-ts'; // the "browser" export condition resolves here
 * const rt = await createRuntime();           // or { backend: 'webgl2' }
 * rt.backend; // 'webgpu' | 'webgl2' | 'cpu'
 */
import * as gpuNamespace from 'gpu.js';
import { BROWSER_BACKENDS, BackendError, type BackendName } from './backend-names.js';
import { createRuntimeOn, type Platform, type Runtime, type RuntimeOptions } from './core.js';
import type { GpuModule } from './gpujs-core.js';

interface AdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}
interface BrowserGlobals {
  readonly navigator?: { readonly gpu?: { requestAdapter(): Promise<{ readonly info?: AdapterInfo; readonly isFallbackAdapter?: boolean } | null> } };
  readonly document?: { createElement(tag: 'canvas'): { getContext(kind: 'webgl2'): unknown } };
  readonly OffscreenCanvas?: new (w: number, h: number) => { getContext(kind: 'webgl2'): unknown };
}

/** The gpu.js module: a bundler gives the CommonJS browser build as a namespace or as its default export. */
const browserGpujs = (): GpuModule => {
  const ns = gpuNamespace as unknown as GpuModule & { readonly default?: GpuModule };
  return typeof ns.GPU === 'function' ? ns : (ns.default as GpuModule);
};

/** What a browser's backend check found: why it cannot start (undefined: it can), and the WebGPU adapter. */
export interface BrowserBackends {
  readonly why: Readonly<Record<(typeof BROWSER_BACKENDS)[number], string | undefined>>;
  /** The WebGPU adapter's description (vendor, architecture; "software" when it says so). */
  readonly adapter?: string;
}

const webgpuCheck = async (): Promise<{ why?: string; adapter?: string }> => {
  const gpu = (globalThis as BrowserGlobals).navigator?.gpu;
  if (!gpu) return { why: 'navigator.gpu is missing: this browser has no WebGPU or it is switched off (Chromium without a GPU: --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader)' };
  const a = await gpu.requestAdapter().catch(() => null);
  if (!a) return { why: 'navigator.gpu.requestAdapter() gave no adapter' };
  const i = a.info ?? {};
  const software = a.isFallbackAdapter === true || i.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${i.vendor} ${i.architecture} ${i.description}`);
  const name = [i.description, i.vendor, i.architecture].filter((s) => s !== undefined && s !== '').join(', ') || 'unnamed adapter';
  return { adapter: software ? `${name} (software)` : name };
};

const webgl2Why = (): string | undefined => {
  const g = globalThis as BrowserGlobals;
  try {
    const canvas = g.document ? g.document.createElement('canvas') : g.OffscreenCanvas ? new g.OffscreenCanvas(1, 1) : undefined;
    if (!canvas) return 'no canvas: neither document nor OffscreenCanvas exists here';
    return canvas.getContext('webgl2') ? undefined : 'a canvas gave no WebGL2 context (Chromium without a GPU: --use-angle=swiftshader)';
  } catch (e) {
    return `WebGL2 context creation failed: ${(e as Error).message}`;
  }
};

/** Which browser backends can start here, and the WebGPU adapter. */
export const browserBackends = async (): Promise<BrowserBackends> => {
  const w = await webgpuCheck();
  return { why: { webgpu: w.why, webgl2: webgl2Why(), cpu: undefined }, ...(w.adapter !== undefined ? { adapter: w.adapter } : {}) };
};

const isBrowserBackend = (s: string): s is (typeof BROWSER_BACKENDS)[number] => (BROWSER_BACKENDS as readonly string[]).includes(s);

/** The backend to use in a browser: `requested`, else the first of BROWSER_BACKENDS that starts. */
export const chooseBrowserBackend = async (requested?: string): Promise<BackendName> => {
  const { why } = await browserBackends();
  if (requested !== undefined && requested !== '' && requested !== 'auto') {
    if (!isBrowserBackend(requested)) throw new BackendError(`unknown backend '${requested}' in a browser; expected one of ${BROWSER_BACKENDS.join(', ')} or auto`, true);
    const w = why[requested];
    if (w !== undefined) throw new BackendError(`backend '${requested}' cannot start: ${w}`);
    return requested;
  }
  return BROWSER_BACKENDS.find((b) => why[b] === undefined) ?? 'cpu';
};

/** The browser's platform: no Node built-ins, gpu.js's browser build, no webasm threads. */
export const browserPlatform: Platform = { choose: chooseBrowserBackend, gpujs: browserGpujs, threads: () => 1 };

/** Starts a runtime on the chosen (or forced) browser backend and verifies it with a probe kernel. */
export const createRuntime = (opts: RuntimeOptions = {}): Promise<Runtime> => createRuntimeOn(browserPlatform, opts);
