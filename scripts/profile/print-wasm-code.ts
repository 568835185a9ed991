/**
 * Instantiates a dumped gpu.js kernel module (dump-wasm.ts) and runs a few SIMD quads so V8
 * compiles it; with V8's flags this prints the x86 code TurboFan makes of it:
 *
 *   node --no-liftoff --no-wasm-lazy-compilation --print-wasm-code --import tsx \
 *     scripts/profile/print-wasm-code.ts scratch/wasm/conv2d.forward.wasm > scratch/wasm/forward.asm
 *
 * Function 2 is `kernel_simd` (the loop body of 4 threads); its `c` loop is the hot loop.
 */
import { readFileSync } from 'node:fs';

// The repo's lib settings carry no WebAssembly typings; only what is used here.
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, (...a: number[]) => void> };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const file = process.argv[2];
if (!file) throw new Error('usage: print-wasm-code.ts FILE.wasm');
const module = new wasm.Module(new Uint8Array(readFileSync(file)));
// gpu.js's threaded kernels import a shared memory (max 4096 pages).
const memory = new wasm.Memory({ initial: 200, maximum: 4096, shared: true });
const { exports } = new wasm.Instance(module, { env: { memory } });
exports['run_simd']?.(0, 64, 0);
