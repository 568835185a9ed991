/**
 * Op tests through the device path. `onDevice(rule)` is the rule with its inputs (and the
 * cotangent, output and saved values of a VJP) put on the device first — on a resident
 * runtime (webgpu); elsewhere they stay host tensors — and every result read back inside a
 * runtime scope, so a test asserts on host values while the op itself runs device to device,
 * and nothing stays allocated on the device after the call.
 */
import type { Attrs, Grads, Inputs, OpName, OpRule, Saved } from '../../src/layers/op.js';
import { isDeviceTensor, readTensor, uploadTensor, type AnyTensor } from '../../src/tensor/device-tensor.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Runtime } from '../../src/runtime/runtime.js';

/** T with every tensor a host tensor. */
export type Hostify<T> = T extends AnyTensor ? Tensor : T extends null ? T : { readonly [P in keyof T]: Hostify<T[P]> };

/** Every tensor in a value (tensor, null, array or record of them) mapped through `f`. */
const mapTensors = async <T>(v: T, f: (t: AnyTensor) => Promise<AnyTensor>): Promise<T> => {
  if (v === null || v === undefined) return v;
  if (typeof v === 'object' && 'shape' in v && ('data' in v || isDeviceTensor(v as unknown as AnyTensor))) return (await f(v as unknown as AnyTensor)) as T;
  if (Array.isArray(v)) return (await Promise.all(v.map((e) => mapTensors(e, f)))) as T;
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = await mapTensors(e, f);
    return out as T;
  }
  return v;
};

export interface HostRule<K extends OpName> {
  forward(rt: Runtime, inputs: Inputs<K>, attrs: Attrs<K>): Promise<{ readonly out: Tensor; readonly saved: Hostify<Saved<K>> }>;
  vjp(rt: Runtime, dy: AnyTensor, inputs: Inputs<K>, out: AnyTensor, attrs: Attrs<K>, saved: Saved<K>): Promise<Hostify<Grads<K>>>;
}

export const onDevice = <K extends OpName>(rule: OpRule<K>): HostRule<K> => ({
  forward: (rt, inputs, attrs) =>
    rt.scope(async () => {
      const dev = await mapTensors(inputs, (t) => uploadTensor(rt, t));
      const { out, saved } = await rule.forward(rt, dev, attrs);
      return { out: await readTensor(rt, out), saved: (await mapTensors(saved, (t) => readTensor(rt, t))) as Hostify<Saved<K>> };
    }),
  vjp: (rt, dy, inputs, out, attrs, saved) =>
    rt.scope(async () => {
      const up = (t: AnyTensor): Promise<AnyTensor> => uploadTensor(rt, t);
      const grads = await rule.vjp(rt, await up(dy), await mapTensors(inputs, up), await up(out), attrs, await mapTensors(saved, up));
      return (await mapTensors(grads, (t) => readTensor(rt, t))) as Hostify<Grads<K>>;
    }),
});
