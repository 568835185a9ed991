/**
 * Saves the WebAssembly modules gpu.js's webasm backend builds for the 3×3 conv kernels
 * (forward, also used for dx; and the weight gradient), for disassembly (issue #7):
 *
 *   npx tsx scripts/profile/dump-wasm.ts scratch/wasm
 *   npx -p wabt wasm2wat --enable-threads scratch/wasm/conv2d.forward.wasm -o scratch/wasm/conv2d.forward.wat
 *
 * gpu.js compiles each kernel with `new WebAssembly.Module(bytes)` on the main thread (then
 * posts the module to its workers); the constructor is wrapped here to keep the bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rules } from '../../src/layers/rules.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { randomTensor } from '../../src/bench/ops.js';

const outDir = process.argv[2] ?? 'scratch/wasm';
mkdirSync(outDir, { recursive: true });

// The repo's lib settings carry no WebAssembly typings; only the Module constructor is needed.
type ModuleCtor = new (bytes: Uint8Array) => object;
const wasm = (globalThis as unknown as { WebAssembly: { Module: ModuleCtor } }).WebAssembly;
const modules: Uint8Array[] = [];
const Original = wasm.Module;
const Capturing = function (bytes: Uint8Array) {
  modules.push(Uint8Array.from(bytes));
  return new Original(bytes);
} as unknown as ModuleCtor;
Capturing.prototype = Original.prototype;
wasm.Module = Capturing;

const inner = await createRuntime({ backend: 'webasm' });
// Book each module to the kernel op whose run compiled it.
const saved: string[] = [];
const book = (op: string, before: number): void =>
  modules.slice(before).forEach((m, i) => {
    const file = join(outDir, `${op}${i === 0 ? '' : `.${i}`}.wasm`);
    writeFileSync(file, m);
    saved.push(`${file} (${m.length} bytes)`);
  });
// Kernels run through both `compute` (ops) and `run` (host results): book both.
const rt: Runtime = {
  ...inner,
  run: async (spec, args) => {
    const before = modules.length;
    const r = await inner.run(spec, args);
    book(spec.op, before);
    return r;
  },
  compute: async (spec, args) => {
    const before = modules.length;
    const r = await inner.compute(spec, args);
    book(spec.op, before);
    return r;
  },
};

// 64→64, 3×3, at 34² → 32² (the same code as at 570², only the baked sizes differ).
const x = randomTensor([1, 64, 34, 34], 1);
const w = randomTensor([64, 64, 3, 3], 2);
const b = randomTensor([1, 64, 1, 1], 3);
const { out } = await rules.conv2d.forward(rt, [x, w, b], { pad: 0 });
await rules.conv2d.vjp(rt, out, [x, w, b], out, { pad: 0 }, null);
console.log(saved.join('\n'));
await inner.dispose();
