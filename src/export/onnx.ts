/**
 * A unet-ts model as an ONNX file: the network of ./onnx-graph.ts in a ModelProto (IR
 * version 8, opset 17), encoded by protobufjs with the ONNX schema of the `onnx-proto`
 * package (onnx 1.10.2's onnx.proto, generated code: no bytes are encoded by hand).
 *
 * Input `input` [N, C, H, W] float32 with N, H, W dynamic (H and W valid sizes, see
 * ./onnx-input.ts); output `logits` [N, classes, H − 2·halo, W − 2·halo], or `probabilities`
 * (softmax over the classes) with `output: 'probabilities'`. The input is what unet-ts feeds
 * its network: intensities already normalised per image (each channel to zero mean and unit
 * variance over the whole image, `normalize('per-image')`); that step is not in the graph.
 * The config and provenance are in `metadata_props` (keys `unet-ts.*`).
 */
import { createRequire } from 'node:module';
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import type { ModelData } from '../unet/checkpoint.js';
import { unetNodes, type GraphParts } from './onnx-graph.js';
import { inputSizes } from './onnx-input.js';

const { onnx } = onnxProto;

/** The opset the graph is written for (every operator used has had its current form since 13–15). */
export const ONNX_OPSET = 17;
/** IR version 8: what opset 17 requires and the newest that onnx-proto's schema (onnx 1.10.2) knows. */
export const ONNX_IR_VERSION = 8;

const FLOAT = 1;

/**
 * The version of unet-ts writing the file (package.json, two folders above src/export and dist/export).
 *
 * @example
 * unetTsVersion(); // '0.1.0'
 */
export const unetTsVersion = (): string => (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface OnnxExportOptions {
  /** The graph's output: the class logits (default) or their softmax over the classes. */
  readonly output?: 'logits' | 'probabilities';
  /** Further metadata_props, e.g. the source file and its sha256 (keys must not start with `unet-ts.`). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The metadata every exported file carries: the config, where the sizes come from, what to feed it. */
const ownMetadata = (model: ModelData, output: string): Record<string, string> => {
  const { min, step, halo } = inputSizes(model.config);
  return {
    'unet-ts.version': unetTsVersion(),
    'unet-ts.config': JSON.stringify(model.config),
    'unet-ts.input': `input [N, ${model.config.inChannels}, H, W] float32; H and W each ${min} + ${step}k (k ≥ 0)`,
    'unet-ts.output': `${output} [N, ${model.config.classes}, H - ${2 * halo}, W - ${2 * halo}] float32 (halo ${halo} px per side)`,
    'unet-ts.preprocessing': 'per image and channel: (x - mean) / std over the whole image (population std; a constant channel only loses its mean), before tiling; not in the graph',
    'unet-ts.paper': 'Ronneberger, Fischer, Brox: U-Net: Convolutional Networks for Biomedical Image Segmentation, MICCAI 2015, arXiv:1505.04597',
  };
};

const dims = (...d: (number | string)[]): { dim: { dimValue?: number; dimParam?: string }[] } => ({
  dim: d.map((x) => (typeof x === 'number' ? { dimValue: x } : { dimParam: x })),
});

/**
 * The ONNX file (bytes) of a model: its network with its weights, ready for onnxruntime.
 *
 * @example
 * import { bundledModel, exportOnnx, loadCheckpoint } from 'unet-ts';
 * import { writeFileSync } from 'node:fs';
 * const bytes = await exportOnnx(await loadCheckpoint(bundledModel('isbi2012-small')));
 * writeFileSync('isbi2012-small.onnx', bytes); // input [N, 1, H, W] → logits [N, 2, H − 184, W − 184]
 */
export const exportOnnx = async (model: ModelData, opts: OnnxExportOptions = {}): Promise<Uint8Array> => {
  const output = opts.output ?? 'logits';
  const clash = Object.keys(opts.metadata ?? {}).find((k) => k.startsWith('unet-ts.'));
  if (clash !== undefined) throw new Error(`exportOnnx: metadata key '${clash}' is reserved (unet-ts.* keys are written by the exporter)`);
  const parts: GraphParts = { nodes: [], initializers: [] };
  const last = await unetNodes(model.config, model.params, 'input', parts);
  const outConv = parts.nodes.at(-1);
  if (outConv?.output?.[0] !== last) throw new Error(`exportOnnx: the graph does not end in its output conv (got '${last}')`);
  outConv.output = ['logits']; // the 1×1 conv writes the graph's output directly
  const result = output === 'probabilities' ? 'probabilities' : 'logits';
  if (output === 'probabilities') {
    parts.nodes.push({ opType: 'Softmax', name: 'probabilities', input: ['logits'], output: ['probabilities'], attribute: [{ name: 'axis', type: 2, i: 1 }] });
  }
  const { config } = model;
  const graph: OnnxTypes.IGraphProto = {
    name: 'unet',
    node: parts.nodes,
    initializer: parts.initializers,
    input: [{ name: 'input', type: { tensorType: { elemType: FLOAT, shape: dims('N', config.inChannels, 'H', 'W') } } }],
    output: [{ name: result, type: { tensorType: { elemType: FLOAT, shape: dims('N', config.classes, 'H_out', 'W_out') } } }],
  };
  const metadataProps = Object.entries({ ...ownMetadata(model, result), ...opts.metadata }).map(([key, value]) => ({ key, value }));
  const proto = onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'unet-ts',
    producerVersion: unetTsVersion(),
    docString: 'U-Net (Ronneberger, Fischer, Brox, MICCAI 2015) exported by unet-ts',
    graph,
    metadataProps,
  });
  return onnx.ModelProto.encode(proto).finish();
};

/**
 * The metadata_props of an ONNX file written by `exportOnnx` (or any ONNX file), decoded by the
 * same schema.
 *
 * @example
 * import { onnxMetadata } from 'unet-ts';
 * JSON.parse(onnxMetadata(bytes)['unet-ts.config']!); // the model's UNetConfig
 */
export const onnxMetadata = (bytes: Uint8Array): Record<string, string> => {
  const m = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
};
