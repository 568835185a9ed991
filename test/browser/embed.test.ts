/**
 * The README's web-app example (examples/web-embed/app.ts, quoted verbatim in README.md's
 * "In the browser" section): it type-checks against the browser entry, esbuild bundles it
 * as the README says (`'unet-ts'` taken here from src/browser.ts, the source of the
 * package's browser build; test/browser/exports.test.ts checks that the package resolves
 * there), and in headless Chromium it segments a real image with a shipped model: the
 * overlay it shows is a PNG of the image's size, and the foreground pixel count in its title
 * is Node's (cpu) up to the pixels within 1e-3 of a tie. Skips the browser part only
 * without Chromium.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { createRuntime } from '../../src/runtime/runtime.js';
import { decodeImage, readImageFile } from '../../src/data/image-file.js';
import { crop } from '../../src/data/mirror.js';
import { encodePng } from '../../src/data/png.js';
import { synthetic } from '../../src/data/synthetic.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { readModelFile } from '../../src/unet/checkpoint.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { CHROMIUM_FLAGS, chromiumPath, noChromium } from './chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLE = join(ROOT, 'examples', 'web-embed');
const SHARED = `${ROOT}../shared/data/isbi2012/images/00.png`;
const N = 96;

/** The example's image: a crop of a real ISBI 2012 image where the shared data exists. */
const cellsPng = (): Buffer => {
  if (existsSync(SHARED)) return encodePng(crop({ x: 200, y: 100, width: N, height: N })(readImageFile(SHARED).image));
  const s = synthetic({ width: N, height: N })(3);
  return encodePng({ ...s.image, data: s.image.data.map((v) => Math.round(255 * v)) });
};

/** examples/web-embed/app.ts bundled for the browser, as `npx esbuild app.ts --bundle --format=esm` does. */
const bundleExample = async (): Promise<string> => {
  const out = await build({
    entryPoints: [join(EXAMPLE, 'app.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    alias: { 'unet-ts': join(ROOT, 'src', 'browser.ts') },
  });
  return out.outputFiles[0]!.text;
};

describe('the README’s web-app example', () => {
  const app = readFileSync(join(EXAMPLE, 'app.ts'), 'utf8');

  it('is quoted verbatim in the README, is at most 16 lines, and type-checks against the browser entry', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('```ts\n' + app + '```\n');
    expect(app.trimEnd().split('\n').length).toBeLessThanOrEqual(16);
    const tsc = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(EXAMPLE, 'tsconfig.json')], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('bundles for the browser with esbuild: no Node built-in reaches it', async () => {
    const js = await bundleExample();
    expect(js.length).toBeGreaterThan(100_000);
    expect(js).not.toMatch(/from\s*["']node:/);
  });

  describe.skipIf(!chromiumPath)(`runs in headless Chromium${chromiumPath ? '' : ` (skipped: ${noChromium})`}`, () => {
    let server: http.Server;
    let browser: Browser;
    const png = cellsPng();

    beforeAll(async () => {
      const files = new Map<string, { type: string; body: string | Uint8Array }>([
        ['/', { type: 'text/html', body: readFileSync(join(EXAMPLE, 'index.html'), 'utf8') }],
        ['/app.js', { type: 'text/javascript', body: await bundleExample() }],
        ['/cells.png', { type: 'image/png', body: png }],
        ['/models/isbi2012-small.safetensors', { type: 'application/octet-stream', body: readFileSync(bundledModel('isbi2012-small')) }],
      ]);
      server = http.createServer((req, res) => {
        const f = files.get(req.url ?? '');
        if (!f) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': f.type }).end(f.body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      browser = await chromium.launch({ executablePath: chromiumPath!, headless: true, args: CHROMIUM_FLAGS });
    });
    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => server?.close(resolve));
    });

    it('segments the image: an overlay PNG of its size, and Node’s foreground count in the title', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      const tiles: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => tiles.push(m.text()));
      const t0 = Date.now();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitForFunction('document.title !== "unet-ts embedded"', undefined, { timeout: 100_000 });
      const seconds = (Date.now() - t0) / 1000;
      expect(errors).toEqual([]);
      const title = await page.title();
      const m = /^(\d+) foreground pixels on (webgpu|webgl2|cpu)$/.exec(title);
      expect(m, title).not.toBeNull();
      await page.waitForFunction('document.querySelector("img").complete');
      expect(await page.$eval('img', (i) => [(i as unknown as { naturalWidth: number }).naturalWidth, (i as unknown as { naturalHeight: number }).naturalHeight])).toEqual([N, N]);
      expect(tiles).toContain('tile 1 of 1');

      const cpu = await createRuntime({ backend: 'cpu' });
      try {
        const want = await segmentImage(cpu, await readModelFile(bundledModel('isbi2012-small')), decodeImage(png, { name: 'cells.png' }));
        const fg = want.labels.filter((l) => l === 1).length;
        const ties = want.foreground!.filter((p) => Math.abs(p - 0.5) <= 1e-3).length;
        expect(Math.abs(Number(m![1]) - fg), `page ${m![1]}, Node ${fg}, ${ties} pixels near a tie`).toBeLessThanOrEqual(ties);
        expect(fg).toBeGreaterThan(0.05 * N * N);
        console.log(`web-app example: ${N}×${N} crop, isbi2012-small on ${m![2]}: page load to result ${seconds.toFixed(1)} s; ${m![1]} foreground pixels (Node cpu ${fg}, ${ties} near a tie)`);
      } finally {
        await cpu.dispose();
      }
    });
  });
});
