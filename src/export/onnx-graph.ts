/**
 * The U-Net of ../unet/architecture.ts as ONNX nodes: the same walk (`unet`) run with an
 * interpreter whose values are the names of graph tensors, so the exported graph cannot drift
 * from the network unet-ts trains. Each layer becomes standard ONNX operators (opset 17):
 *
 * - 3×3 conv + ReLU: `Conv` (pads 0 for 'valid', 1 for 'same') + `Relu`; the 1×1 output conv: `Conv`;
 * - max-pool: `MaxPool` 2×2 stride 2; dropout: nothing (the identity at inference);
 * - up-conv: `ConvTranspose` 2×2 stride 2 (its weight layout [Cin, Cout, 2, 2] is unet-ts's);
 * - crop: `Slice` of the skip map's height and width from its runtime `Shape`: start
 *   (skip − up) / 2, end skip − start. For a valid input that is the centre crop of unet-ts;
 *   for an invalid one (an odd size before some pooling) skip − up is odd, the slice is one
 *   pixel larger than the up-convolved map and onnxruntime's `Concat` fails — so a bad tile
 *   size is an error instead of a silently shifted output (see ./onnx-input.ts);
 * - concat: `Concat` on channels, [cropped skip, up-convolved] as in unet-ts.
 *
 * Parameters become initializers under their state-dict names (`down.0.conv1.weight`, biases
 * [C] as in PyTorch).
 */
import type { onnx } from 'onnx-proto';
import { unet, type Layers } from '../unet/architecture.js';
import type { UNetConfig } from '../unet/config.js';
import type { Params } from '../unet/params.js';
import type { Tensor } from '../tensor/tensor.js';

/** ONNX TensorProto.DataType codes used here. */
const FLOAT = 1;
const INT64 = 7;

/** ONNX AttributeProto.AttributeType codes used here. */
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** Nodes and initializers of a graph under construction. */
export interface GraphParts {
  readonly nodes: onnx.INodeProto[];
  readonly initializers: onnx.ITensorProto[];
}

/** Float32 values as little-endian bytes (ONNX raw_data is little-endian whatever the host). */
const floatBytes = (data: Float32Array): Uint8Array => {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return out;
};

const int64Bytes = (values: readonly number[]): Uint8Array => {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
};

const ints = (name: string, values: readonly number[]): onnx.IAttributeProto => ({ name, type: ATTR_INTS, ints: [...values] });
const int = (name: string, value: number): onnx.IAttributeProto => ({ name, type: ATTR_INT, i: value });

/** A parameter as an initializer: weights as stored, biases [1, C, 1, 1] → [C]. */
const initializer = (name: string, t: Tensor): onnx.ITensorProto => ({
  name,
  dataType: FLOAT,
  dims: name.endsWith('.bias') ? [t.shape[1]] : [...t.shape],
  rawData: floatBytes(t.data),
});

/** A parameter of `params`, or an error naming it (a model file is checked on load, so this is a caller's bug). */
const paramOf = (params: Params, name: string): Tensor => {
  const t = params[name];
  if (!t) throw new Error(`exportOnnx: the parameters have no '${name}' (expected every name of paramSpecs(config))`);
  return t;
};

/**
 * The network's nodes from tensor `input` to the returned logits tensor name, with the
 * parameters as initializers. `parts` receives what is built.
 *
 * @example
 * import { PRESETS, initParams } from 'unet-ts';
 * const parts: GraphParts = { nodes: [], initializers: [] };
 * const logits = await unetNodes(PRESETS.tiny, initParams(PRESETS.tiny, 0), 'input', parts);
 * parts.nodes.filter((n) => n.opType === 'Conv').length; // 15 at depth 3: 7 blocks of two 3×3 convs and the 1×1
 */
export const unetNodes = async (config: UNetConfig, params: Params, input: string, parts: GraphParts): Promise<string> => {
  const { nodes, initializers } = parts;
  const used = new Map<string, number>();
  /** A fresh tensor name from a readable stem (`down.0.conv1`, `crop.1`, …). */
  const fresh = (stem: string): string => {
    const n = used.get(stem) ?? 0;
    used.set(stem, n + 1);
    return n === 0 ? stem : `${stem}_${n}`;
  };
  const node = (opType: string, inputs: readonly string[], stem: string, attribute: onnx.IAttributeProto[] = []): string => {
    const output = fresh(stem);
    nodes.push({ opType, name: output, input: [...inputs], output: [output], attribute });
    return output;
  };
  const weights = (name: string): [string, string] => {
    for (const suffix of ['weight', 'bias']) initializers.push(initializer(`${name}.${suffix}`, paramOf(params, `${name}.${suffix}`)));
    return [`${name}.weight`, `${name}.bias`];
  };
  initializers.push({ name: 'const.two', dataType: INT64, dims: [1], rawData: int64Bytes([2]) });
  initializers.push({ name: 'const.axes_hw', dataType: INT64, dims: [2], rawData: int64Bytes([2, 3]) });
  const pad = config.padding === 'same' ? 1 : 0;

  const layers: Layers<string> = {
    conv: async (name, x, _cout, k, then) => {
      const p = k === 3 ? pad : 0;
      const y = node('Conv', [x, ...weights(name)], name, [ints('kernel_shape', [k, k]), ints('pads', [p, p, p, p]), ints('strides', [1, 1])]);
      return then === 'relu' ? node('Relu', [y], `${name}.relu`) : y;
    },
    maxPool: async (x: string): Promise<string> => node('MaxPool', [x], 'pool', [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
    dropout: async (x: string): Promise<string> => x,
    upConv: async (name: string, x: string): Promise<string> =>
      node('ConvTranspose', [x, ...weights(name)], name, [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]),
    crop: async (skip: string, like: string): Promise<string> => {
      const hwSkip = node('Shape', [skip], 'crop.shape', [int('start', 2), int('end', 4)]);
      const hwLike = node('Shape', [like], 'crop.shape', [int('start', 2), int('end', 4)]);
      const start = node('Div', [node('Sub', [hwSkip, hwLike], 'crop.excess'), 'const.two'], 'crop.start');
      const end = node('Sub', [hwSkip, start], 'crop.end');
      return node('Slice', [skip, start, end, 'const.axes_hw'], 'crop');
    },
    concat: async (a: string, b: string): Promise<string> => node('Concat', [a, b], 'concat', [int('axis', 1)]),
  };
  return unet(config, layers)(input);
};
