/**
 * Host memory per training step (or forward) on webasm: bytes of typed arrays allocated per call
 * by site (the garbage the collector must reclaim; arrays the runtime's pool hands out again
 * are not allocations), and the median wall time of the calls.
 *
 *   npx tsx scripts/profile/host-memory.ts [preset=tiny] [mode=train|forward] [reps=20]
 *   node --cpu-prof --cpu-prof-dir scratch/prof --import tsx scripts/profile/host-memory.ts tiny train 40
 *
 * Typed-array constructors are wrapped before unet-ts loads (counting arrays of ≥ 16 KiB, by the
 * calling function), then one call is counted after two warm-up calls; `--count 0` skips the count.
 */
const counts = new Map<string, number>();
let counting = false;
const site = (): string => {
  const line = new Error().stack?.split('\n')[4] ?? '';
  return `${/at (\S+)/.exec(line)?.[1] ?? '?'} ${/(?:src|gpu\.js)\/(\S+?):\d/.exec(line)?.[1] ?? ''}`;
};
const count = (name: string, bytes: number): void => {
  if (counting && bytes >= 16384) counts.set(`${name} ${site()}`, (counts.get(`${name} ${site()}`) ?? 0) + bytes);
};
for (const name of ['Float32Array', 'Float64Array', 'Int32Array', 'Uint32Array', 'Uint8Array'] as const) {
  const Ctor = globalThis[name] as unknown as { new (...a: unknown[]): ArrayBufferView; prototype: { slice: (...a: unknown[]) => ArrayBufferView } };
  (globalThis as Record<string, unknown>)[name] = new Proxy(Ctor, {
    construct(target, args: unknown[]) {
      const made = Reflect.construct(target, args, target) as ArrayBufferView;
      if (!(args[0] instanceof ArrayBuffer) && !(args[0] instanceof SharedArrayBuffer)) count(name, made.byteLength);
      return made;
    },
  });
  const slice = Ctor.prototype.slice;
  Ctor.prototype.slice = function (this: unknown, ...a: unknown[]) {
    const made = slice.apply(this, a);
    count(`${name}.slice`, made.byteLength);
    return made;
  };
}

const [preset = 'tiny', mode = 'train', repsArg = '20'] = process.argv.slice(2);
const { createRuntime } = await import('../../src/runtime/runtime.js');
const { benchLogits, modelTarget, trainStepper } = await import('../../src/bench/model.js');
const { isPresetName } = await import('../../src/unet/config.js');
if (!isPresetName(preset)) throw new Error(`unknown preset ${preset}`);
const rt = await createRuntime({ backend: 'webasm' });
const target = modelTarget(preset, false);
const step = trainStepper(rt, target);
const call = mode === 'train' ? (i: number) => step(i) : () => benchLogits(rt, target);
await call(0);
await call(1);
counting = true;
await call(2);
counting = false;
const total = [...counts.values()].reduce((a, b) => a + b, 0);
console.log(`${preset} ${mode} on webasm: ${(total / 2 ** 20).toFixed(1)} MiB of typed arrays allocated in one call`);
for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(v / 2 ** 20).toFixed(1).padStart(8)} MiB  ${k}`);
const reps = Number(repsArg);
const times: number[] = [];
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  await call(i + 3);
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`median of ${reps} calls: ${times[reps >> 1]!.toFixed(1)} ms (fastest ${times[0]!.toFixed(1)} ms)`);
await rt.dispose();
