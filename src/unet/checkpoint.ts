/**
 * The model file: a safetensors file whose tensors are the parameters, named like a PyTorch
 * state_dict (`down.0.conv1.weight` [Cout, Cin, 3, 3], `down.0.conv1.bias` [Cout], up-conv
 * weights [Cin, Cout, 2, 2] as ConvTranspose2d), with the model config as JSON in
 * `__metadata__` (decoded with io-ts on load). A file that does not match its own config is
 * rejected with a message naming the tensor and the shapes.
 *
 * State stored beside the model — a training checkpoint's optimizer buffers and counters
 * (src/train/checkpoint.ts) — is kept as tensors named `optimizer.<parameter>.<buffer>`, each
 * shaped like its parameter, and as further metadata strings. This module checks those
 * tensors belong to a parameter and hands them over uninterpreted, so inference can read a
 * training checkpoint and an exported model alike.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../checkpoint/safetensors-file.js';
import type { NamedTensor } from '../checkpoint/safetensors.js';
import type { Shape, Tensor } from '../tensor/tensor.js';
import { showShape } from '../tensor/shape-error.js';
import { decodeConfig, type UNetConfig } from './config.js';
import { paramSpecs, type Params } from './params.js';

/** A network: its config and parameters. */
export interface ModelData {
  readonly config: UNetConfig;
  readonly params: Params;
}

/** What a writer stored beside the model (see the header); absent in exported models. */
export interface StoredState {
  /** By name without the `optimizer.` prefix (`down.0.conv1.weight.m`); each shaped like its parameter. */
  readonly buffers: Readonly<Record<string, Tensor>>;
  /** Metadata strings other than the format and the config. */
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ModelFile extends ModelData {
  readonly state?: StoredState;
}

const FORMAT = 'unet-ts/1';
const STATE = 'optimizer.';

/** PyTorch stores biases as [C]; inside unet-ts they are [1, C, 1, 1] to broadcast over NCHW. */
const toFile = (name: string, t: Tensor): NamedTensor => ({ shape: name.endsWith('.bias') ? [t.shape[1]] : [...t.shape], data: t.data });

/** A JSON metadata field decoded with `codec`; the error names the file and the field. */
export const jsonField = <A>(meta: Readonly<Record<string, string>>, key: string, codec: t.Type<A>, file: string): A => {
  const raw = meta[key];
  if (raw === undefined) throw new CheckpointError(file, `metadata has no '${key}'`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CheckpointError(file, `metadata '${key}' is not JSON: ${raw.slice(0, 80)}`);
  }
  const r = codec.decode(json);
  if (E.isLeft(r)) throw new CheckpointError(file, `metadata '${key}' is invalid: ${raw.slice(0, 120)}`);
  return r.right;
};

/** Writes a model file atomically (temp file, fsync, rename): a crash leaves the old file whole. */
export const writeModelFile = async (path: string, model: ModelData, state?: StoredState): Promise<void> => {
  const tensors = new Map<string, NamedTensor>();
  for (const [k, v] of Object.entries(model.params)) tensors.set(k, toFile(k, v));
  for (const [k, v] of Object.entries(state?.buffers ?? {})) tensors.set(STATE + k, { shape: [...v.shape], data: v.data });
  const reserved = Object.keys(state?.metadata ?? {}).filter((k) => k === 'format' || k === 'config');
  if (reserved.length > 0) throw new Error(`writeModelFile ${path}: state metadata may not set '${reserved[0]}' (the model file's own field)`);
  const metadata: Record<string, string> = { format: FORMAT, config: JSON.stringify(model.config), ...state?.metadata };
  const r = await writeSafetensorsFile(path, tensors, metadata)();
  if (E.isLeft(r)) throw r.left;
};

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Reads and validates a model file: every parameter present with the shape its config implies. */
export const readModelFile = async (path: string): Promise<ModelFile> => {
  const r = await readSafetensorsFile(path)();
  if (E.isLeft(r)) throw r.left;
  const { tensors, metadata } = r.right;
  if (metadata['format'] !== FORMAT) throw new CheckpointError(path, `not a unet-ts checkpoint (metadata format is ${JSON.stringify(metadata['format'])}, expected "${FORMAT}")`);
  const cfg = decodeConfig(jsonField(metadata, 'config', t.unknown, path), `${path} (config)`);
  if (E.isLeft(cfg)) throw new CheckpointError(path, cfg.left);
  const config = cfg.right;
  const params: Record<string, Tensor> = {};
  for (const spec of paramSpecs(config)) {
    const f = tensors.get(spec.name);
    if (!f) throw new CheckpointError(path, `tensor '${spec.name}' is missing (the config needs it)`);
    const want = toFile(spec.name, { shape: spec.shape, data: f.data }).shape;
    if (!sameDims(f.shape, want)) throw new CheckpointError(path, `tensor '${spec.name}' has shape ${showShape(f.shape)}, the config needs ${showShape(want)}`);
    params[spec.name] = { shape: spec.shape, data: f.data };
  }
  const extraNames = [...tensors.keys()].filter((k) => !k.startsWith(STATE) && !(k in params));
  if (extraNames.length > 0) throw new CheckpointError(path, `unexpected tensors not in the config: ${extraNames.slice(0, 5).join(', ')}`);
  const buffers: Record<string, Tensor> = {};
  for (const [k, v] of tensors) {
    if (!k.startsWith(STATE)) continue;
    const name = k.slice(STATE.length);
    const param = params[name.replace(/\.[^.]+$/, '')];
    if (!param || !sameDims(v.shape, param.shape)) throw new CheckpointError(path, `optimizer buffer '${k}' does not match a parameter`);
    buffers[name] = { shape: param.shape as Shape, data: v.data };
  }
  const { format: _f, config: _c, ...rest } = metadata;
  if (Object.keys(buffers).length === 0 && Object.keys(rest).length === 0) return { config, params };
  return { config, params, state: { buffers, metadata: rest } };
};
