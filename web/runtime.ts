/**
 * The page's one runtime at a time, for the backend chosen in #backend ('auto' lets the
 * library pick: webgpu where an adapter answers, else webgl2, else cpu). Switching the
 * backend disposes of the old runtime before the new one starts. Both tabs share it.
 */
import { browserBackends, createRuntime, gpujsForward, type ModelData, type Runtime, type TileForward } from '../src/browser.js';
import { yieldToBrowser } from './dom.js';

let current: { want: string; rt: Promise<Runtime> } | undefined;

/** The runtime for backend `want`, started on first use. */
export const runtimeFor = (want: string): Promise<Runtime> => {
  if (current?.want !== want) {
    const old = current;
    const stopped = old ? old.rt.then((r) => r.dispose()).catch(() => undefined) : Promise.resolve();
    current = { want, rt: stopped.then(() => createRuntime({ backend: want })) };
  }
  return current.rt;
};

/** "webgpu (google, swiftshader)" or "webgl2": the backend that runs and, for webgpu, its adapter. */
export const backendNote = async (rt: Runtime): Promise<string> => {
  if (rt.backend !== 'webgpu') return rt.backend;
  const { adapter } = await browserBackends();
  return adapter ? `webgpu (${adapter})` : 'webgpu';
};

/**
 * The GPU.js forward of `m`, yielding to the browser before each tile, so that the page
 * repaints (progress bar) and takes input between tiles; within a tile a webgl2 kernel blocks.
 */
export const yieldingForward = (rt: Runtime, m: ModelData): TileForward => {
  const gpu = gpujsForward(rt, m);
  return { ...gpu, forwardTile: async (x, n) => (await yieldToBrowser(), gpu.forwardTile(x, n)) };
};
