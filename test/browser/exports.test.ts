/**
 * package.json "exports": a bundler targeting the browser resolves `import … from 'unet-ts'` to
 * the browser entry (dist/browser.js, built from src/browser.ts) and Node to dist/index.js, and
 * the browser bundle reaches no Node built-in. Checked on the built package (dist/, which
 * `npm ci` builds through `prepare`) with esbuild from a project that has unet-ts installed.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const built = existsSync(join(ROOT, 'dist', 'browser.js')) && existsSync(join(ROOT, 'dist', 'index.js'));
if (!built) console.warn('package exports test skipped: dist/ is not built (npm run build)');

describe.skipIf(!built)(`'unet-ts' resolves per platform${built ? '' : ' (skipped: dist/ not built; npm run build)'}`, () => {
  const bundleFrom = async (platform: 'browser' | 'node'): Promise<string[]> => {
    const app = mkdtempSync(join(tmpdir(), 'unet-ts-app-'));
    try {
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(ROOT, join(app, 'node_modules', 'unet-ts'), 'dir');
      writeFileSync(join(app, 'app.js'), "import { createRuntime, BROWSER_BACKENDS } from 'unet-ts';\nconsole.log(createRuntime, BROWSER_BACKENDS);\n");
      const r = await build({
        absWorkingDir: app,
        entryPoints: ['app.js'],
        bundle: true,
        platform,
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
        ...(platform === 'node' ? { packages: 'external' as const } : {}),
      });
      return platform === 'node' ? r.metafile.outputs[Object.keys(r.metafile.outputs)[0]!]!.imports.map((i) => i.path) : Object.keys(r.metafile.inputs);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  };

  it('a browser bundle takes dist/browser.js and its browser runtime, never dist/index.js', async () => {
    const inputs = await bundleFrom('browser');
    expect(inputs.some((p) => p.endsWith('dist/browser.js'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('dist/runtime/browser.js'))).toBe(true);
    expect(inputs.some((p) => p.endsWith('dist/index.js') || p.endsWith('dist/runtime/backend.js'))).toBe(false);
    expect(inputs.some((p) => p.includes('gpu.js/dist/gpu-browser'))).toBe(true);
  });

  it('Node imports dist/index.js', () => {
    const app = mkdtempSync(join(tmpdir(), 'unet-ts-app-'));
    try {
      mkdirSync(join(app, 'node_modules'));
      symlinkSync(ROOT, join(app, 'node_modules', 'unet-ts'), 'dir');
      writeFileSync(join(app, 'where.mjs'), "console.log(import.meta.resolve('unet-ts'));\n");
      const r = spawnSync(process.execPath, ['where.mjs'], { cwd: app, encoding: 'utf8' });
      expect(r.stdout.trim()).toMatch(/\/dist\/index\.js$/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });
});
