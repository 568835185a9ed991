/**
 * A tape-based reverse-mode autodiff (tfjs style: the tape is data, the passes are free
 * functions). The forward pass appends one `Entry` per op: op name, input and output
 * variables, attributes, and what the VJP needs. `backward` walks the tape in reverse,
 * calls each op's VJP from the typed table, checks every cotangent's shape against its
 * input's (errors name the op and the input), and sums cotangents of variables used twice.
 */
import type { Tensor } from '../tensor/tensor.js';
import { sameShape, size } from '../tensor/tensor.js';
import { isDeviceTensor, readTensor, type AnyTensor } from '../tensor/device-tensor.js';
import { showShape } from '../tensor/shape-error.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Attrs, Inputs, OpName, Saved } from '../layers/op.js';
import { rules } from '../layers/rules.js';

/** A value in a computation: a tensor (on the device on a resident runtime) and its identity on the tape. */
export interface Var {
  readonly id: number;
  readonly value: AnyTensor;
}

type VarsOf<T extends readonly unknown[]> = { readonly [I in keyof T]: Var };

export interface EntryOf<K extends OpName> {
  readonly op: K;
  readonly inputs: VarsOf<Inputs<K>>;
  readonly output: Var;
  readonly attrs: Attrs<K>;
  readonly saved: Saved<K>;
}
export type Entry = { [K in OpName]: EntryOf<K> }[OpName];

/** The tape: entries in execution order. Appended to during one forward pass only. */
export interface Tape {
  readonly entries: Entry[];
}

/**
 * Where a forward pass runs: the runtime, the tape (absent at inference: nothing is
 * recorded and activations are freed as soon as they are consumed), and the mode
 * (dropout is the identity when not training).
 */
export interface Ctx {
  readonly rt: Runtime;
  readonly tape: Tape | undefined;
  readonly training: boolean;
  readonly nextId: () => number;
}

const counter = (): (() => number) => {
  let n = 0;
  return () => n++;
};

export const trainingCtx = (rt: Runtime): Ctx => ({ rt, tape: { entries: [] }, training: true, nextId: counter() });
export const inferenceCtx = (rt: Runtime): Ctx => ({ rt, tape: undefined, training: false, nextId: counter() });

/** A constant or parameter entering the computation. */
export const leaf = (ctx: Ctx, value: AnyTensor): Var => ({ id: ctx.nextId(), value });

/** Runs op `op` on variables and records it on the tape (when there is one). */
export const apply = async <K extends OpName>(ctx: Ctx, op: K, inputs: VarsOf<Inputs<K>>, attrs: Attrs<K>): Promise<Var> => {
  const values = inputs.map((v: Var) => v.value) as unknown as Inputs<K>;
  const rule = rules[op];
  const { out, saved } = await rule.forward(ctx.rt, values, attrs);
  const output: Var = { id: ctx.nextId(), value: out };
  if (ctx.tape) ctx.tape.entries.push({ op, inputs, output, attrs, saved } as EntryOf<K> as Entry);
  return output;
};

const vjpOf = <K extends OpName>(rt: Runtime, e: EntryOf<K>, dy: AnyTensor, needed: readonly boolean[]) =>
  rules[e.op].vjp(rt, dy, e.inputs.map((v: Var) => v.value) as unknown as Inputs<K>, e.output.value, e.attrs, e.saved, needed);

/** The memory a tensor's values live in (views of one array share it). */
const bufferOf = (t: AnyTensor): unknown => (isDeviceTensor(t) ? t.device : t.data.buffer);

/** The scalar seed cotangent 1 for a loss of shape [1, 1, 1, 1]. */
const one = (t: AnyTensor): Tensor => {
  if (size(t.shape) !== 1) throw new Error(`backward: the loss must be a scalar [1, 1, 1, 1], got ${showShape(t.shape)}`);
  return { shape: t.shape, data: new Float32Array([1]) };
};

/**
 * Reverse pass: the cotangent of every variable in `wrt` (by id) given the scalar `loss`.
 * Variables `loss` does not depend on are absent from the result.
 */
export const backward = async (rt: Runtime, tape: Tape, loss: Var, wrt: readonly Var[]): Promise<Map<number, AnyTensor>> => {
  const cot = new Map<number, AnyTensor>([[loss.id, one(loss.value)]]);
  const wanted = new Set(wrt.map((v) => v.id));
  // An input needs a cotangent when it is wanted or an op's output (its own inputs may be
  // wanted); a leaf that is not wanted (the image, labels, pixel weights) needs none.
  const produced = new Set(tape.entries.map((e) => e.output.id));
  const needs = (v: Var): boolean => wanted.has(v.id) || produced.has(v.id);
  // Forward values (and their buffers) are never released: a VJP may hand one back as a cotangent.
  const forward = new Set<unknown>(tape.entries.flatMap((e) => [e.output, ...e.inputs].map((v: Var) => bufferOf(v.value))));
  const result = new Map<number, AnyTensor>();
  for (let i = tape.entries.length - 1; i >= 0; i--) {
    const e = tape.entries[i]!;
    const dy = cot.get(e.output.id);
    if (!dy) continue;
    cot.delete(e.output.id);
    if (!sameShape(dy.shape, e.output.value.shape)) {
      throw new Error(`backward: ${e.op} output cotangent ${showShape(dy.shape)} differs from its output ${showShape(e.output.value.shape)}`);
    }
    const grads = await vjpOf(rt, e as EntryOf<OpName>, dy, e.inputs.map(needs));
    const dead: AnyTensor[] = wanted.has(e.output.id) ? [] : [dy];
    for (let j = 0; j < e.inputs.length; j++) {
      const g = grads[j];
      const input = e.inputs[j]!;
      if (g === null || g === undefined) continue;
      if (!sameShape(g.shape, input.value.shape)) {
        throw new Error(`backward: the VJP of ${e.op} returned ${showShape(g.shape)} for input ${j}, whose shape is ${showShape(input.value.shape)}`);
      }
      const prev = cot.get(input.id);
      cot.set(input.id, prev ? (await rules.add.forward(rt, [prev, g], {})).out : g);
      if (prev) dead.push(prev, g);
    }
    // Consumed cotangents go back to the runtime's pool (the next step's same-shaped ones reuse
    // them: no new memory, no garbage), unless a live cotangent or a forward value shares the buffer.
    const live = new Set<unknown>([...cot.values()].map(bufferOf));
    for (const t of dead) {
      const b = bufferOf(t);
      if (!isDeviceTensor(t) && !live.has(b) && !forward.has(b)) rt.release(t.data);
    }
  }
  for (const [id, g] of cot) if (wanted.has(id)) result.set(id, g);
  return result;
};

/**
 * The loss and its gradient for every parameter, in one call (JAX's value_and_grad):
 *   valueAndGrad(lossFn)(rt, params) → { value, grads }
 * `lossFn` builds the computation from parameter variables and returns a scalar variable.
 * Gradients are returned as new host tensors; nothing is accumulated into the parameters.
 * A parameter the loss does not depend on gets a zero gradient.
 * On a resident runtime the whole forward and backward pass stays on the device inside one
 * runtime scope; only the loss and the gradients are read back, and every device buffer of
 * the step is freed when it returns.
 *
 * @example
 * import { conv2d, leaf, softmaxCrossEntropy, valueAndGrad, type Tensor } from 'unet-ts';
 * declare const x: Tensor;    // input [N, C, H, W]
 * declare const y: Tensor;    // class indices [N, 1, H, W] (float32)
 * declare const wmap: Tensor; // pixel weights [N, 1, H, W]
 * declare const w: Tensor;    // parameters: weights [K, C, 1, 1], bias [K]
 * declare const b: Tensor;
 * const { value, grads } = await valueAndGrad<{ w: Tensor; b: Tensor }>(async (ctx, p) =>
 *   softmaxCrossEntropy(ctx, await conv2d(ctx, leaf(ctx, x), p.w, p.b, { pad: 0 }), leaf(ctx, y), leaf(ctx, wmap)))(rt, { w, b });
 * // value: the loss; grads.w, grads.b: its gradients, shaped like w and b
 */
export const valueAndGrad =
  <P extends Record<string, Tensor>>(lossFn: (ctx: Ctx, params: { readonly [K in keyof P]: Var }) => Promise<Var>, opts: ValueAndGradOptions = {}) =>
  async (rt: Runtime, params: P): Promise<{ readonly value: number; readonly grads: { readonly [K in keyof P]: Tensor } }> =>
    rt.scope(async () => {
      const ctx = trainingCtx(rt);
      const vars = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, leaf(ctx, t)])) as { [K in keyof P]: Var };
      const loss = await lossFn(ctx, vars);
      const value = (await readTensor(rt, loss.value)).data[0] ?? NaN;
      const g = await backward(rt, ctx.tape!, loss, Object.values(vars));
      const grads: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(vars)) {
        const gk = g.get(v.id);
        grads[k] = gk ? await readTensor(rt, gk) : { shape: v.value.shape, data: new Float32Array(size(v.value.shape)) };
      }
      if (opts.releaseActivations === true) releaseActivations(rt, ctx.tape!, Object.values(grads));
      return { value, grads: grads as { [K in keyof P]: Tensor } };
    });

export interface ValueAndGradOptions {
  /**
   * After the backward pass, return the forward values of the tape (the activations) to the
   * runtime's pool, so the next call reuses their memory: only for a `lossFn` that keeps no
   * tensor it computed (the training step's does not). Default false.
   */
  readonly releaseActivations?: boolean;
}

/**
 * Returns every host op output on the tape to the runtime's pool (`rt.release`), except buffers
 * shared with a leaf (an input) or with `keep`: for a caller that is done with the computation
 * and keeps no tensor of it but `keep` (the training step; `predictLogits`, which keeps the logits).
 */
export const releaseActivations = (rt: Runtime, tape: Tape, keep: readonly AnyTensor[]): void => {
  const produced = new Set(tape.entries.map((e) => e.output.id));
  const held = new Set<unknown>(keep.map(bufferOf));
  for (const e of tape.entries) for (const v of e.inputs as readonly Var[]) if (!produced.has(v.id)) held.add(bufferOf(v.value));
  const done = new Set<unknown>();
  for (const { output } of tape.entries) {
    const b = bufferOf(output.value);
    if (isDeviceTensor(output.value) || held.has(b) || done.has(b)) continue;
    done.add(b);
    rt.release(output.value.data);
  }
};
