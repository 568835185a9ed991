/**
 * Backend choice. One GPU.js instance per runtime; the backend is chosen once:
 * `webgpu` where a hardware WebGPU adapter answers, else `headlessgl` where a GL context can
 * be made, else `webasm`, else `cpu`. `UNET_BACKEND` or an option forces one, and a forced
 * backend that cannot start is an error that says why and how to fix it.
 *
 * WebGPU runs on Dawn (`webgpu` npm package 0.6.x, optional). Without a GPU, Chromium's
 * SwiftShader Vulkan driver (`apt-get install chromium libvulkan1`) is found automatically;
 * it is a software adapter, ~100× slower than webasm, so auto never picks it but forcing
 * `webgpu` does (correctness tests of the WGSL path).
 *
 * Quiet probing: Dawn prints its own multi-line warnings to stderr (fd 2, below Node) when it
 * cannot load Vulkan ("Couldn't load Vulkan … BackendVk.cpp", "vkCreateInstance: Found no
 * drivers!"), and it does so while `requestAdapter` looks for an adapter — before every command
 * on a machine without a working Vulkan, even though auto then picks webasm. Node cannot
 * redirect fd 2 around a native call, so the first look happens in a short child process
 * (~130 ms) whose stderr we keep: Dawn is loaded into this process only once that child found
 * an adapter we will use. Where no Vulkan driver manifest exists at all (no VK_ICD_FILENAMES,
 * no icd.d folder entry, no SwiftShader) there is no child either: Dawn could not find an
 * adapter, and the reason says so in one line of ours.
 *
 * gpu.js changes backends silently (docs/gpujs-traps.md, trap 5: no display → webasm; webasm runs some
 * kernels on cpu), so the backend in use is verified by running a probe kernel and reading
 * which kernel class actually ran.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gpujs, type RawGPU } from './gpujs.js';
import { BACKENDS, BackendError, gpuMode, isBackendName, type BackendName } from './backend-names.js';

const require = createRequire(import.meta.url);

export { BACKENDS, BROWSER_BACKENDS, BackendError, backendOfKernelClass, gpuMode, isBackendName, type BackendName } from './backend-names.js';

/** Why a backend cannot start here, or undefined when it can. */
export type Probe = Promise<string | undefined>;

interface WebGpuAdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  /** Where `webgpu` 0.6.x (Dawn) reports a software adapter; `adapter.isFallbackAdapter` is undefined there. */
  readonly isFallbackAdapter?: boolean;
  /** Dawn-specific: 'discrete GPU' | 'integrated GPU' | 'CPU' | 'unknown'. */
  readonly adapterType?: string;
}
interface WebGpuAdapter {
  /** Older spec/implementations only; Dawn 0.6.x moved it to `info.isFallbackAdapter`. */
  readonly isFallbackAdapter?: boolean;
  readonly info?: WebGpuAdapterInfo;
}
interface NavigatorGpu {
  requestAdapter(): Promise<WebGpuAdapter | null>;
}

/**
 * Chromium's SwiftShader Vulkan driver manifests (Debian/Ubuntu deb, Fedora, Ubuntu snap).
 * SwiftShader is a software Vulkan 1.x that Dawn accepts; Debian 12's lavapipe is too old.
 */
export const SWIFTSHADER_ICDS: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/usr/lib64/chromium-browser/vk_swiftshader_icd.json',
  '/snap/chromium/current/usr/lib/chromium-browser/vk_swiftshader_icd.json',
];

/** Environment variables through which the Vulkan loader is told which drivers to load. */
const VK_DRIVER_ENV = ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES'] as const;

/** Whether the Vulkan loader would find any driver manifest on its own (its Linux search path). */
const systemVulkanDrivers = (): boolean => {
  const home = process.env['HOME'];
  const dirs = [
    ...(process.env['XDG_CONFIG_DIRS'] ?? '/etc/xdg').split(':'),
    '/etc',
    '/usr/local/etc',
    process.env['XDG_DATA_HOME'] ?? (home ? join(home, '.local/share') : ''),
    ...(process.env['XDG_DATA_DIRS'] ?? '/usr/local/share:/usr/share').split(':'),
  ].filter((d) => d !== '');
  return dirs.some((d) => {
    try {
      return readdirSync(join(d, 'vulkan', 'icd.d')).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
};

const SOFTWARE_NAMES = /swiftshader|lavapipe|llvmpipe|softpipe/i;

/**
 * Whether a WebGPU adapter is a software rasterizer (SwiftShader, lavapipe/llvmpipe): the
 * fallback flag where the implementation sets it (spec: `info.isFallbackAdapter`; older:
 * `adapter.isFallbackAdapter`), Dawn's adapter type 'CPU', or a software driver's name in
 * vendor/architecture/device/description (Dawn reports SwiftShader as vendor 'google',
 * architecture 'swiftshader', description 'SwiftShader driver 5.0.0').
 */
export const isSoftwareAdapter = (adapter: WebGpuAdapter): boolean => {
  const info = adapter.info ?? {};
  if (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true) return true;
  if (/^cpu$/i.test(info.adapterType ?? '')) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => SOFTWARE_NAMES.test(s ?? ''));
};

/** What the WebGPU probe found: why it cannot start, or the adapter it would run on. */
export type WebGpuAdapterReport =
  | { readonly ok: false; readonly why: string }
  | { readonly ok: true; readonly software: boolean; readonly description: string };

const describeAdapter = (a: WebGpuAdapter): string => {
  const i = a.info ?? {};
  return [i.description, i.vendor, i.architecture].filter((s) => s !== undefined && s !== '').join(', ') || 'unnamed adapter';
};

const installNavigatorGpu = (gpu: unknown): void => {
  const g = globalThis as { navigator?: object };
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
};

/** The 'webgpu' package is optional: a variable specifier keeps tsc from requiring its types. */
const WEBGPU_PACKAGE = 'webgpu';

const findWebGpuAdapter = async (): Promise<WebGpuAdapterReport> => {
  const g = globalThis as { navigator?: { gpu?: NavigatorGpu } };
  const existing = g.navigator?.gpu;
  let create: ((flags: string[]) => NavigatorGpu) | undefined;
  if (!existing) {
    try {
      ({ create } = (await import(WEBGPU_PACKAGE)) as { create: (flags: string[]) => NavigatorGpu });
    } catch (e) {
      return {
        ok: false,
        why: `the 'webgpu' npm package (0.6.x) is not installed or does not load (${String((e as Error).message).split('\n')[0]}); run 'npm install webgpu@0.6'`,
      };
    }
  }
  const driverEnvSet = VK_DRIVER_ENV.some((k) => (process.env[k] ?? '') !== '');
  const swiftshader = SWIFTSHADER_ICDS.find((f) => existsSync(f));
  // The Vulkan loader reads VK_ICD_FILENAMES when Dawn creates its instance (on the first
  // requestAdapter of a `create([])` object; a later change is not seen by that object), so
  // it must be set before. Where no driver is installed at all, go straight to SwiftShader;
  // else try the system drivers first and only fall back to SwiftShader when none answers.
  const useSwiftShader = (): void => {
    process.env['VK_ICD_FILENAMES'] = swiftshader;
  };
  if (!existing && !driverEnvSet && swiftshader && !systemVulkanDrivers()) useSwiftShader();
  const request = async (gpu: NavigatorGpu): Promise<WebGpuAdapter | null> => gpu.requestAdapter().catch(() => null);
  let gpu = existing ?? create!([]);
  let adapter = await request(gpu);
  if (!adapter && create && !driverEnvSet && swiftshader && process.env['VK_ICD_FILENAMES'] !== swiftshader) {
    useSwiftShader();
    gpu = create([]);
    adapter = await request(gpu);
  }
  if (!existing) installNavigatorGpu(gpu);
  if (!adapter) {
    const tried = process.env['VK_ICD_FILENAMES'] === swiftshader && swiftshader !== undefined;
    const env = VK_DRIVER_ENV.filter((k) => (process.env[k] ?? '') !== '').map((k) => `${k}=${process.env[k]}`).join(' ');
    return {
      ok: false,
      why: tried
        ? `no WebGPU adapter answered, not even SwiftShader (${swiftshader}): check that the Vulkan loader is installed (apt-get install libvulkan1)`
        : `no WebGPU adapter answered${env ? ` with ${env}` : ''}: needs a Vulkan driver (NVIDIA: the driver's Vulkan ICD; CPU: apt-get install chromium libvulkan1 for SwiftShader, found automatically when VK_ICD_FILENAMES is unset)`,
    };
  }
  return { ok: true, software: isSoftwareAdapter(adapter), description: describeAdapter(adapter) };
};

/**
 * The script of the quiet probe's child: loads the `webgpu` package (argv[1], a file URL),
 * asks for an adapter as `findWebGpuAdapter` does (the environment as given, then SwiftShader
 * (argv[2]) when that finds none and the parent allows it) and prints the adapter's
 * description as JSON (`null`: none). Dawn's warnings go to the child's stderr, which the
 * parent keeps out of sight. Fields are copied one by one: they are getters of Dawn's objects.
 */
const CHILD_PROBE = `
const [url, swiftshader] = process.argv.slice(1);
const { create } = await import(url);
const ask = () => create([]).requestAdapter().catch(() => null);
let a = await ask();
if (!a && swiftshader) { process.env.VK_ICD_FILENAMES = swiftshader; a = await ask(); }
const i = a?.info ?? {};
const pick = (k) => (typeof i[k] === 'string' || typeof i[k] === 'boolean' ? { [k]: i[k] } : {});
const info = { ...pick('vendor'), ...pick('architecture'), ...pick('device'), ...pick('description'), ...pick('isFallbackAdapter'), ...pick('adapterType') };
process.stdout.write(JSON.stringify(a ? { info, ...(typeof a.isFallbackAdapter === 'boolean' ? { isFallbackAdapter: a.isFallbackAdapter } : {}) } : null));
process.exit(0);
`;

/** The `webgpu` package's entry as a file URL, or why it cannot be found. */
const webGpuPackageUrl = (): { readonly url: string } | { readonly why: string } => {
  try {
    return { url: pathToFileURL(require.resolve(WEBGPU_PACKAGE)).href };
  } catch (e) {
    return { why: `the 'webgpu' npm package (0.6.x) is not installed (${String((e as Error).message).split('\n')[0]}); run 'npm install webgpu@0.6'` };
  }
};

/**
 * Whether the Vulkan loader has any driver manifest to try: a driver variable set, a system
 * icd.d entry, or a SwiftShader install we would point it to. Without one Dawn cannot find an
 * adapter, and loading it would only print its warnings.
 */
export const vulkanDriverManifests = (): boolean =>
  VK_DRIVER_ENV.some((k) => (process.env[k] ?? '') !== '') || systemVulkanDrivers() || SWIFTSHADER_ICDS.some((f) => existsSync(f));

/** The first line of Dawn's stderr that says what went wrong (e.g. "Couldn't load Vulkan: …"), trimmed. */
const dawnReason = (stderr: string): string | undefined =>
  stderr
    .split('\n')
    .map((l) => l.replace(/^Warning:\s*/, '').trim())
    .find((l) => l !== '' && !l.startsWith('at '));

/**
 * What a child process finds (see the module comment): the same answer as
 * `webGpuAdapterReport` would give, without Dawn's stderr in this process.
 */
const quietWebGpuReport = async (): Promise<WebGpuAdapterReport> => {
  const g = globalThis as { navigator?: { gpu?: NavigatorGpu } };
  if (g.navigator?.gpu) return webGpuAdapterReport(); // provided by the host (a browser, a test): nothing of ours loads Dawn
  const pkg = webGpuPackageUrl();
  if ('why' in pkg) return { ok: false, why: pkg.why };
  if (!vulkanDriverManifests()) {
    return {
      ok: false,
      why: "no Vulkan driver is installed (no VK_ICD_FILENAMES, no vulkan/icd.d manifest): needs one (NVIDIA: the driver's Vulkan ICD; CPU: apt-get install chromium libvulkan1 for SwiftShader)",
    };
  }
  const swiftshader = SWIFTSHADER_ICDS.find((f) => existsSync(f));
  const driverEnvSet = VK_DRIVER_ENV.some((k) => (process.env[k] ?? '') !== '');
  const env = { ...process.env };
  // the same order as findWebGpuAdapter: SwiftShader straight away where no other driver exists
  if (!driverEnvSet && swiftshader && !systemVulkanDrivers()) env['VK_ICD_FILENAMES'] = swiftshader;
  const retry = !driverEnvSet && swiftshader && env['VK_ICD_FILENAMES'] !== swiftshader ? swiftshader : '';
  const { stdout, stderr, failed } = await new Promise<{ stdout: string; stderr: string; failed: string | undefined }>((resolve) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD_PROBE, pkg.url, retry],
      { env, timeout: 30_000, maxBuffer: 1 << 20 },
      (err, out, errOut) => resolve({ stdout: String(out), stderr: String(errOut), failed: err ? err.message.split('\n')[0] : undefined }),
    );
  });
  let adapter: WebGpuAdapter | null = null;
  try {
    adapter = JSON.parse(stdout) as WebGpuAdapter | null;
  } catch {
    return { ok: false, why: `the WebGPU probe did not answer (${dawnReason(stderr) ?? failed ?? 'no output'})` };
  }
  if (!adapter) {
    const dawn = dawnReason(stderr);
    return {
      ok: false,
      why: `no WebGPU adapter answered${dawn ? ` (Dawn: ${dawn})` : ''}: needs a Vulkan driver and loader (NVIDIA: the driver's Vulkan ICD; CPU: apt-get install chromium libvulkan1 for SwiftShader)`,
    };
  }
  return { ok: true, software: isSoftwareAdapter(adapter), description: describeAdapter(adapter) };
};

let quietReport: Promise<WebGpuAdapterReport> | undefined;

let webGpuAdapter: Promise<WebGpuAdapterReport> | undefined;
/**
 * The WebGPU adapter this process would use, found once (installs `navigator.gpu` from the
 * `webgpu` npm package, Dawn for Node 0.6.x; gpu.js's own pinned webgpu 0.2.9 needs glibc
 * 2.38 and does not load on Debian 12). Uses SwiftShader when no other Vulkan driver answers
 * and VK_ICD_FILENAMES is unset.
 */
export const webGpuAdapterReport = (): Promise<WebGpuAdapterReport> => (webGpuAdapter ??= findWebGpuAdapter());

const softwareWhy = (description: string): string =>
  `the only WebGPU adapter is software (${description}), ~100× slower than webasm; force it with --backend webgpu or UNET_BACKEND=webgpu, or install a Vulkan GPU driver`;

const probeWebGpu = async (allowSoftware: boolean): Probe => {
  // Dawn already loaded here: its answer costs nothing and prints nothing new. Else look
  // quietly first, and load Dawn only where the look found an adapter this call would accept.
  if (webGpuAdapter === undefined) {
    const q = await (quietReport ??= quietWebGpuReport());
    if (!q.ok) return q.why;
    if (q.software && !allowSoftware) return softwareWhy(q.description);
  }
  const r = await webGpuAdapterReport();
  if (!r.ok) return r.why;
  // A software adapter (SwiftShader) is ~100× slower than webasm (docs/gpujs-traps.md, trap 9): never auto-pick it.
  if (r.software && !allowSoftware) return softwareWhy(r.description);
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
    case 'webgl2':
      return Promise.resolve('WebGL2 exists only in a browser (the browser build of unet-ts); in Node use headlessgl');
  }
};

/**
 * The backend to use: `requested`, else UNET_BACKEND, else the first that starts in the
 * order webgpu → headlessgl → webasm → cpu.
 */
export const chooseBackend = async (requested?: string): Promise<BackendName> => {
  const want = requested ?? process.env['UNET_BACKEND'];
  if (want !== undefined && want !== '' && want !== 'auto') {
    if (!isBackendName(want)) throw new BackendError(`unknown backend '${want}'; expected one of ${BACKENDS.join(', ')} or auto`, true);
    const why = await probe(want, true);
    if (why) throw new BackendError(`backend '${want}' cannot start: ${why}`);
    return want;
  }
  for (const b of BACKENDS) if ((await probe(b)) === undefined) return b;
  return 'cpu';
};

/** A GPU.js instance for a backend. */
export const createGpu = (backend: BackendName): RawGPU => new (gpujs().GPU)({ mode: gpuMode[backend] });
