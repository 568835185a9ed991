import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BACKENDS,
  BROWSER_BACKENDS,
  BackendError,
  backendOfKernelClass,
  chooseBackend,
  gpuMode,
  isBackendName,
  isSoftwareAdapter,
  probe,
  webGpuAdapterReport,
  type BackendName,
} from '../../src/runtime/backend.js';
import { arg1d, createRuntime } from '../../src/runtime/runtime.js';
import type { KernelThis } from '../../src/runtime/gpujs.js';

const twice = function (this: KernelThis, a: number[]): number {
  return a[this.thread.x]! * 2;
};

const root = fileURLToPath(new URL('../../', import.meta.url));

const LIST = 'webgpu, headlessgl, webasm, cpu or auto';

/** How each optional backend's "cannot start" reason must say how to fix it. */
const FIX: Record<'webgpu' | 'headlessgl', RegExp> = {
  webgpu: /npm install webgpu|Vulkan|apt-get install/,
  headlessgl: /npm rebuild gl|apt-get install|xvfb-run/,
};

let saved: string | undefined;
beforeEach(() => {
  saved = process.env['UNET_BACKEND'];
  delete process.env['UNET_BACKEND'];
});
afterEach(() => {
  if (saved === undefined) delete process.env['UNET_BACKEND'];
  else process.env['UNET_BACKEND'] = saved;
});

describe('backend names', () => {
  it('BACKENDS are in preference order, with gpu.js modes and kernel classes', () => {
    expect(BACKENDS).toEqual(['webgpu', 'headlessgl', 'webasm', 'cpu']);
    for (const b of BACKENDS) {
      expect(isBackendName(b)).toBe(true);
      expect(gpuMode[b]).toBe(b);
    }
    expect(isBackendName('gpu')).toBe(false);
    expect(isBackendName('auto')).toBe(false);
    expect(backendOfKernelClass('CPUKernel')).toBe('cpu');
    expect(backendOfKernelClass('WebAssemblyKernel')).toBe('webasm');
    expect(backendOfKernelClass('HeadlessGLKernel')).toBe('headlessgl');
    expect(backendOfKernelClass('WebGPUKernel')).toBe('webgpu');
    // webgl2 is the browser build's (src/runtime/browser.ts): not a Node backend, and a probe here says so.
    expect(backendOfKernelClass('WebGL2Kernel')).toBe('webgl2');
    expect(backendOfKernelClass('WebGLKernel')).toBeUndefined();
    expect(BROWSER_BACKENDS).toEqual(['webgpu', 'webgl2', 'cpu']);
    expect(isBackendName('webgl2')).toBe(false);
  });

  it('webgl2 cannot start in Node, with the reason', async () => {
    expect(await probe('webgl2', true)).toMatch(/only in a browser/);
  });

  it('cpu and webasm always start here', async () => {
    expect(await probe('cpu')).toBeUndefined();
    expect(await probe('webasm')).toBeUndefined();
  });
});

describe('chooseBackend', () => {
  it('returns a requested backend that starts', async () => {
    expect(await chooseBackend('cpu')).toBe('cpu');
    expect(await chooseBackend('webasm')).toBe('webasm');
  });

  it('an unknown name is a BackendError listing the valid names', async () => {
    for (const name of ['gpu', 'CPU', 'wasm']) {
      const e = await chooseBackend(name).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(BackendError);
      expect((e as Error).name).toBe('BackendError');
      expect((e as Error).message).toBe(`unknown backend '${name}'; expected one of ${LIST}`);
      expect((e as BackendError).unknownName).toBe(true); // the CLI's exit 2 (usage), not 1
    }
    await expect(createRuntime({ backend: 'gpu' })).rejects.toThrow(`unknown backend 'gpu'; expected one of ${LIST}`);
  });

  it("auto (or '') picks the first backend in preference order that starts", async () => {
    const first = async (): Promise<BackendName> => {
      for (const b of BACKENDS) if ((await probe(b)) === undefined) return b;
      return 'cpu';
    };
    const want = await first();
    expect(await chooseBackend('auto')).toBe(want);
    expect(await chooseBackend('')).toBe(want);
    expect(await chooseBackend()).toBe(want);
  });

  it('honours UNET_BACKEND, and an explicit request overrides it', async () => {
    process.env['UNET_BACKEND'] = 'cpu';
    expect(await chooseBackend()).toBe('cpu');
    const rt = await createRuntime();
    try {
      expect(rt.backend).toBe('cpu');
    } finally {
      await rt.dispose();
    }
    expect(await chooseBackend('webasm')).toBe('webasm');
    process.env['UNET_BACKEND'] = 'bogus';
    await expect(chooseBackend()).rejects.toThrow(`unknown backend 'bogus'; expected one of ${LIST}`);
    expect(await chooseBackend('cpu')).toBe('cpu');
  });
});

describe.each(['webgpu', 'headlessgl'] as const)('forcing %s', (b) => {
  it('starts it where it is available, else fails with a BackendError saying why and how to fix it', async () => {
    const why = await probe(b, true);
    if (why === undefined) {
      const rt = await createRuntime({ backend: b });
      try {
        expect(rt.backend).toBe(b);
        expect(Array.from(await rt.run({ op: 'test.twice', source: twice, output: [3], constants: {} }, [arg1d(new Float32Array([1, 2, 3]))]))).toEqual([2, 4, 6]);
        expect(rt.fallbacks().size).toBe(0);
      } finally {
        await rt.dispose();
      }
      process.env['UNET_BACKEND'] = b;
      expect(await chooseBackend()).toBe(b);
      return;
    }
    expect(why).toMatch(FIX[b]);
    const e = await createRuntime({ backend: b }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BackendError);
    expect((e as Error).message).toBe(`backend '${b}' cannot start: ${why}`);
    expect((e as BackendError).unknownName).toBe(false);
    // the same through UNET_BACKEND
    process.env['UNET_BACKEND'] = b;
    await expect(chooseBackend()).rejects.toThrow(`backend '${b}' cannot start: ${why}`);
    // and auto never picks it
    expect(await chooseBackend('auto')).not.toBe(b);
  });
});

describe('software WebGPU adapters', () => {
  it('are recognised by the fallback flag (either place), adapter type or driver name', () => {
    // Dawn (webgpu 0.6.x) on SwiftShader: adapter.isFallbackAdapter is undefined, info has the flag.
    expect(isSoftwareAdapter({ info: { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true } })).toBe(true);
    expect(isSoftwareAdapter({ isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: 'SwiftShader driver 5.0.0' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { description: 'lavapipe' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { adapterType: 'CPU' } })).toBe(true);
    expect(isSoftwareAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', isFallbackAdapter: false, adapterType: 'discrete GPU' } })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });

  it('auto never picks a software adapter, but forcing webgpu starts on it', async () => {
    const r = await webGpuAdapterReport();
    if (!r.ok) {
      expect(await probe('webgpu', true)).toBe(r.why);
      return;
    }
    expect(await probe('webgpu', true)).toBeUndefined();
    if (!r.software) {
      expect(await probe('webgpu')).toBeUndefined();
      expect(await chooseBackend('auto')).toBe('webgpu');
      return;
    }
    const why = await probe('webgpu');
    expect(why).toMatch(/software/);
    expect(why).toContain(r.description);
    expect(why).toMatch(/--backend webgpu|UNET_BACKEND=webgpu/);
    expect(await chooseBackend('auto')).not.toBe('webgpu');
    expect(await chooseBackend('webgpu')).toBe('webgpu');
  });
});

describe("Dawn's Vulkan warnings (issue 18)", () => {
  /** A fresh process that chooses a backend on auto and prints it; its stdout and stderr. */
  const chooseInChild = (env: NodeJS.ProcessEnv, wrap: readonly string[] = []): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const script = "const { chooseBackend } = await import('./src/runtime/backend.ts'); console.log(await chooseBackend('auto'));";
      const args = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
      const [cmd, ...rest] = [...wrap, ...args];
      execFile(cmd!, rest, { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr }),
      );
    });
  const DAWN = /Warning|BackendVk|vkCreateInstance|Couldn't load Vulkan/;

  it('auto prints nothing when the Vulkan driver named by VK_ICD_FILENAMES does not exist', async () => {
    // Before: "Warning: loader_get_json: Failed to open JSON file …" and "vkCreateInstance: Found no drivers!"
    // from Dawn on every command's stderr.
    const env = { ...process.env, VK_ICD_FILENAMES: join(tmpdir(), 'unet-no-such-icd.json'), UNET_BACKEND: '' };
    const r = await chooseInChild(env);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(DAWN);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).not.toBe('webgpu');
  });

  it('auto prints nothing where the Vulkan loader itself does not load (the "Couldn\'t load Vulkan … BackendVk.cpp" case)', async ({ skip }) => {
    // Hides libvulkan.so.1 from one child by bind-mounting /dev/null over it in a private mount
    // namespace; needs root and unshare(1), so other machines skip.
    const lib = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib/aarch64-linux-gnu']
      .map((d) => join(d, 'libvulkan.so.1'))
      .find((f) => existsSync(f));
    const canUnshare = process.getuid?.() === 0 && lib !== undefined && spawnSync('unshare', ['-m', 'true']).status === 0;
    skip(!canUnshare, 'needs root, unshare(1) and an installed libvulkan.so.1 to hide');
    const real = realpathSync(lib!);
    const env = { ...process.env, UNET_BACKEND: '' };
    const r = await chooseInChild(env, ['unshare', '-m', 'sh', '-c', `mount --bind /dev/null ${real} && exec "$@"`, 'sh']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(DAWN);
    expect(r.stdout.trim()).not.toBe('webgpu');
  });

  it("the quiet probe's reason is one line of ours, naming what Dawn said", async () => {
    const why = await probe('webgpu');
    if (why !== undefined) {
      expect(why).not.toContain('\n');
      expect(why).toMatch(FIX.webgpu);
    }
  });
});
