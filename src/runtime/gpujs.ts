/**
 * The Node side of the gpu.js binding: loads gpu.js (CommonJS) with the WebAssembly
 * code-generator fix. The types and helpers are in ./gpujs-core.ts (no Node built-ins), which
 * the browser build shares.
 */
import { createRequire } from 'node:module';
import { installWasmCodegenFix } from './wasm-codegen/index.js';
import type { GpuModule } from './gpujs-core.js';

export * from './gpujs-core.js';

const require = createRequire(import.meta.url);

let loaded: GpuModule | undefined;
/**
 * gpu.js, loaded once on first use (it is CommonJS), with the WebAssembly code-generator fix
 * of ./wasm-codegen/ installed.
 */
export const gpujs = (): GpuModule => {
  if (loaded) return loaded;
  loaded = require('gpu.js') as GpuModule;
  installWasmCodegenFix();
  return loaded;
};
