/**
 * `npm run web`: bundles web/main.ts (the page's code and, through src/browser.ts, the library)
 * with esbuild and serves web/index.html, the bundle and the shipped models (models/) on
 * http://127.0.0.1:8080/ (`--port N`, `--host H`). A page on localhost is a secure context,
 * which WebGPU needs. test/browser/web.test.ts starts the same server with `startWebServer`.
 *
 * Usage: npm run web [-- --port 8080] [--host 127.0.0.1]
 */
import { readFileSync, existsSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { BUNDLED_MODELS } from '../src/unet/bundled-names.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The page's script: web/main.ts and the library's browser entry in one ES module. */
export const bundleWeb = async (): Promise<string> => {
  const out = await build({ entryPoints: [join(ROOT, 'web', 'main.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', write: false, logLevel: 'silent' });
  return out.outputFiles[0]!.text;
};

export interface WebServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the page on `host:port` (port 0: any free one). */
export const startWebServer = async (opts: { port?: number; host?: string } = {}): Promise<WebServer> => {
  const js = await bundleWeb();
  const html = readFileSync(join(ROOT, 'web', 'index.html'));
  const models = new Map<string, string>(BUNDLED_MODELS.map((m) => [`/models/${m}.safetensors`, join(ROOT, 'models', `${m}.safetensors`)]));
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/' || url === '/index.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    if (url === '/main.js') return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    const model = models.get(url);
    if (model !== undefined && existsSync(model)) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(model));
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', resolve);
  });
  const a = server.address() as AddressInfo;
  return { url: `http://${a.address}:${a.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' } } });
  const s = await startWebServer({ port: Number(values.port), host: values.host });
  console.log(`unet-ts web page: ${s.url}  (Ctrl-C stops)`);
}
