/**
 * The runtime in Node: ./core.ts (the runtime itself, shared with the browser build) bound to
 * Node's platform — backend choice and probes of ./backend.ts (Dawn `webgpu`, native `gl`,
 * webasm, cpu), gpu.js loaded by ./gpujs.ts with the WebAssembly code-generator fix, one webasm
 * thread per core. The browser's binding is ./browser.ts.
 *
 * @example
 * const rt = await createRuntime({ backend: 'cpu' });
 * rt.backend; // 'cpu': the backend verified by a probe kernel
 * await rt.dispose();
 */
import { cpus } from 'node:os';
import { chooseBackend } from './backend.js';
import { createRuntimeOn, type Platform, type Runtime, type RuntimeOptions } from './core.js';
import { gpujs } from './gpujs.js';

export * from './core.js';

/** Node's platform: ./backend.ts chooses, ./gpujs.ts loads gpu.js. */
export const nodePlatform: Platform = { choose: chooseBackend, gpujs, threads: () => cpus().length };

/** Starts a runtime on the chosen (or forced) backend and verifies it with a probe kernel. */
export const createRuntime = (opts: RuntimeOptions = {}): Promise<Runtime> => createRuntimeOn(nodePlatform, opts);
