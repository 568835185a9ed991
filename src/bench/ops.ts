/**
 * Per-op benchmarks at the paper's layer shapes (Ronneberger et al. 2015, Fig. 1, 572 tile):
 * 3×3 conv forward, input gradient dx and weight gradient dw at 64→64 (570² in, 568² out),
 * 512→512 (66² in, 64² out, the bottom) and 1→64 (572² in, the first layer); the 2×2
 * up-convolution 128→64 at 196² → 392² (forward and VJP); the 2×2 max-pool of 64×568²;
 * the loss (softmax cross-entropy, forward and VJP) at 2×388².
 *
 * Each op is called through the autodiff rule table, as training calls it. The first call
 * (kernel compilation + one run) is reported apart from the steady state (median of the
 * further calls). A VJP computes dx, dw and db in one call; dx and dw are reported from the
 * kernel time booked under each kernel's `spec.op` name (see measure.ts `kernelClock`): dx =
 * the `*.vjp.dx` kernel, dw = `*.vjp.dw` + its `*.vjp.dw.sum` reduction, db = `*.vjp.db*` (a
 * kernel only where tensors live on the device; elsewhere the bias gradient is a host pass, 0
 * here and counted in the host side).
 * The VJP row's time is the whole call; its `host` part is the call minus all booked kernels
 * (padding/stacking of the inputs, weight transposes, unpacking of results).
 */
import { rules } from '../layers/rules.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import type { AnyTensor } from '../tensor/device-tensor.js';
import { size } from '../tensor/tensor.js';
import { rng } from '../tensor/random.js';
import { convFlop, upConvFlop } from './flops.js';
import { gflops, kernelClock, median, synced, timeCalls, timeOnce, type Timing } from './measure.js';

/** One measured item. `flop` (compute-bound ops) or `bytes` (memory-bound ops) may be null. */
export interface OpRow {
  readonly name: string;
  readonly shape: string;
  readonly flop: number | null;
  readonly bytes: number | null;
  /** First call (compile + run), ms. */
  readonly firstMs: number;
  /** Steady state: median of the further calls, ms. */
  readonly medianMs: number;
  readonly samplesMs: readonly number[];
  readonly gflops: number | null;
  /** GB/s for memory-bound ops (bytes read + written once). */
  readonly gbps: number | null;
  /** How the time was obtained when it is not the wall time of one whole call. */
  readonly note?: string;
}

/** A seeded tensor of uniform values in [−1, 1) (cheap to make at 20 M values). */
export const randomTensor = (shape: Shape, seed: number): Tensor => {
  const r = rng(seed);
  const data = new Float32Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = 2 * r.uniform() - 1;
  return { shape, data };
};

const zeros = (shape: Shape): Tensor => ({ shape, data: new Float32Array(size(shape)) });
const dims = (s: Shape): string => `${s[1]}×${s[2]}×${s[3]}`;

const row = (name: string, shape: string, t: Timing, flop: number | null, bytes: number | null, note?: string): OpRow => ({
  name,
  shape,
  flop,
  bytes,
  firstMs: t.firstMs,
  medianMs: t.medianMs,
  samplesMs: t.samplesMs,
  gflops: gflops(flop, t.medianMs),
  gbps: bytes === null || !(t.medianMs > 0) ? null : bytes / t.medianMs / 1e6,
  ...(note === undefined ? {} : { note }),
});

/** The parts of a VJP call booked by kernel-name prefix, plus the unbooked host time. */
interface VjpParts {
  readonly dx: number;
  readonly dw: number;
  readonly db: number;
  readonly host: number;
}
const parts = (prefix: string, booked: ReadonlyMap<string, number>, total: number): VjpParts => {
  const sum = (p: string): number => [...booked].filter(([k]) => k.startsWith(`${prefix}.vjp.${p}`)).reduce((s, [, v]) => s + v, 0);
  const dx = sum('dx');
  const dw = sum('dw');
  const db = sum('db');
  return { dx, dw, db, host: Math.max(0, total - dx - dw - db) };
};

/**
 * Times a VJP call `reps + 1` times and returns the whole-call row plus attributed dx, dw,
 * db and host rows. `flop1` is the FLOP of one of dx / dw (each equals the forward's).
 */
const vjpRows = async (
  rt: Runtime,
  prefix: string,
  label: string,
  shape: string,
  flop1: number,
  call: (rt: Runtime) => Promise<unknown>,
  reps: number,
): Promise<OpRow[]> => {
  const clock = kernelClock(rt);
  const calls: { total: number; p: VjpParts }[] = [];
  for (let i = 0; i <= Math.max(1, reps); i++) {
    const { ms } = await timeOnce(() => synced(rt, () => call(clock.rt))(i));
    calls.push({ total: ms, p: parts(prefix, clock.take(), ms) });
  }
  const [first, ...steady] = calls;
  const timing = (f: (c: { total: number; p: VjpParts }) => number): Timing => {
    const samplesMs = steady.map(f);
    return { firstMs: f(first!), medianMs: median(samplesMs), samplesMs };
  };
  const how = `kernel time booked under ${prefix}.vjp.`;
  return [
    row(`${label} VJP (dx+dw+db)`, shape, timing((c) => c.total), 2 * flop1, null, 'whole rules.*.vjp call'),
    row(`${label} dx`, shape, timing((c) => c.p.dx), flop1, null, `${how}dx*`),
    row(`${label} dw`, shape, timing((c) => c.p.dw), flop1, null, `${how}dw* (stage 1 + sum)`),
    row(`${label} db`, shape, timing((c) => c.p.db), null, null, `${how}db* (0: a host pass off the device)`),
    row(`${label} VJP host side`, shape, timing((c) => c.p.host), null, null, 'call − booked kernels: padding, transposes, unpacking'),
  ];
};

/** A 3×3 valid convolution cin→cout on an h×h input: forward, then the VJP split. */
const convCase = async (rt: Runtime, cin: number, cout: number, h: number, reps: number): Promise<OpRow[]> => {
  const x = randomTensor([1, cin, h, h], 1);
  const w = randomTensor([cout, cin, 3, 3], 2);
  const b = zeros([1, cout, 1, 1]);
  const ho = h - 2;
  const flop = convFlop(cin, cout, 3, ho, ho);
  const shape = `${cin}→${cout}, ${h}²→${ho}²`;
  let out: AnyTensor | undefined;
  const fwd = await timeCalls(
    synced(rt, async () => {
      out = (await rules.conv2d.forward(rt, [x, w, b], { pad: 0 })).out;
    }),
    reps,
  );
  const dy = randomTensor(out!.shape, 3);
  const vjp = await vjpRows(rt, 'conv2d', 'conv 3×3', shape, flop, (r) => rules.conv2d.vjp(r, dy, [x, w, b], out!, { pad: 0 }, null), reps);
  return [row('conv 3×3 forward', shape, fwd, flop, null), ...vjp];
};

/** The 2×2 stride-2 up-convolution cin→cout from h×h to 2h×2h: forward and VJP split. */
const upConvCase = async (rt: Runtime, cin: number, cout: number, h: number, reps: number): Promise<OpRow[]> => {
  const x = randomTensor([1, cin, h, h], 4);
  const w = randomTensor([cin, cout, 2, 2], 5);
  const b = zeros([1, cout, 1, 1]);
  const flop = upConvFlop(cin, cout, 2 * h, 2 * h);
  const shape = `${cin}→${cout}, ${h}²→${2 * h}²`;
  let out: AnyTensor | undefined;
  const fwd = await timeCalls(
    synced(rt, async () => {
      out = (await rules.upConv2.forward(rt, [x, w, b], {})).out;
    }),
    reps,
  );
  const dy = randomTensor(out!.shape, 6);
  const vjp = await vjpRows(rt, 'upConv2', 'up-conv 2×2', shape, flop, (r) => rules.upConv2.vjp(r, dy, [x, w, b], out!, {}, null), reps);
  return [row('up-conv 2×2 forward', shape, fwd, flop, null), ...vjp];
};

/** 2×2 max-pool of c×h×h: forward and VJP (memory-bound: GB/s of one read + one write). */
const poolCase = async (rt: Runtime, c: number, h: number, reps: number): Promise<OpRow[]> => {
  const x = randomTensor([1, c, h, h], 7);
  let out: AnyTensor | undefined;
  const fwd = await timeCalls(
    synced(rt, async () => {
      out = (await rules.maxPool2.forward(rt, [x], {})).out;
    }),
    reps,
  );
  const dy = randomTensor(out!.shape, 8);
  const vjp = await timeCalls(synced(rt, () => rules.maxPool2.vjp(rt, dy, [x], out!, {}, null)), reps);
  const shape = `${dims(x.shape)}→${dims(out!.shape)}`;
  const xb = 4 * size(x.shape);
  const yb = 4 * size(out!.shape);
  return [row('max-pool 2×2 forward', shape, fwd, null, xb + yb), row('max-pool 2×2 VJP', shape, vjp, null, 2 * xb + yb)];
};

/** Weighted softmax cross-entropy over k×h×h logits: forward and VJP. */
const lossCase = async (rt: Runtime, k: number, h: number, reps: number): Promise<OpRow[]> => {
  const logits = randomTensor([1, k, h, h], 9);
  const r = rng(10);
  const labels: Tensor = { shape: [1, 1, h, h], data: Float32Array.from({ length: h * h }, () => r.int(k)) };
  const weights: Tensor = { shape: [1, 1, h, h], data: Float32Array.from({ length: h * h }, () => 0.5 + r.uniform()) };
  const inputs = [logits, labels, weights] as const;
  let fw: Awaited<ReturnType<typeof rules.softmaxCrossEntropy.forward>> | undefined;
  const fwd = await timeCalls(async () => {
    fw = await rules.softmaxCrossEntropy.forward(rt, inputs, {});
  }, reps);
  const one: Tensor = { shape: [1, 1, 1, 1], data: Float32Array.of(1) };
  const vjp = await timeCalls(synced(rt, () => rules.softmaxCrossEntropy.vjp(rt, one, inputs, fw!.out, {}, fw!.saved)), reps);
  const shape = dims(logits.shape);
  const lb = 4 * size(logits.shape);
  const pb = 4 * h * h;
  return [row('loss (softmax CE) forward', shape, fwd, null, 2 * lb + 3 * pb), row('loss (softmax CE) VJP', shape, vjp, null, 2 * lb + 2 * pb)];
};

/** One op benchmark: a label (for progress lines) and its measurement. */
export interface OpCase {
  readonly label: string;
  readonly run: (rt: Runtime, reps: number) => Promise<OpRow[]>;
}

/**
 * The op cases: the paper's shapes, or (quick) the same ops at small shapes (channels / 8,
 * a few dozen pixels) that take milliseconds, for tests and smoke runs.
 */
export const opCases = (quick: boolean): readonly OpCase[] => {
  const conv = (cin: number, cout: number, h: number): OpCase => ({ label: `conv 3×3 ${cin}→${cout} at ${h}²`, run: (rt, n) => convCase(rt, cin, cout, h, n) });
  return quick
    ? [
        conv(8, 8, 34),
        conv(32, 32, 10),
        conv(1, 8, 36),
        { label: 'up-conv 16→8 at 12²', run: (rt, n) => upConvCase(rt, 16, 8, 12, n) },
        { label: 'max-pool 8×32²', run: (rt, n) => poolCase(rt, 8, 32, n) },
        { label: 'loss 2×32²', run: (rt, n) => lossCase(rt, 2, 32, n) },
      ]
    : [
        conv(64, 64, 570),
        conv(512, 512, 66),
        conv(1, 64, 572),
        { label: 'up-conv 128→64 at 196²', run: (rt, n) => upConvCase(rt, 128, 64, 196, n) },
        { label: 'max-pool 64×568²', run: (rt, n) => poolCase(rt, 64, 568, n) },
        { label: 'loss 2×388²', run: (rt, n) => lossCase(rt, 2, 388, n) },
      ];
};
