/**
 * The page's one runtime at a time, for the backend chosen in #backend ('auto' lets the
 * library pick: webgpu where an adapter answers, else webgl2, else cpu). Switching the
 * backend disposes of the old runtime before the new one starts. Both tabs share it.
 */
import { browserBackends, createRuntime, type Runtime } from '../src/browser.js';

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
