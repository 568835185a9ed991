/**
 * Model checkpoints in safetensors: parameters named like a PyTorch state_dict
 * (`down.0.conv1.weight` [Cout, Cin, 3, 3], `down.0.conv1.bias` [Cout], up-conv weights
 * [Cin, Cout, 2, 2] as ConvTranspose2d), optimizer buffers as `optimizer.<param>.m|v`, and
 * in `__metadata__` the model config, optimizer config, step and seed as JSON strings,
 * decoded with io-ts on load. A file that does not match its own config is rejected with a
 * message naming the tensor and the shapes.
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
import { OptimizerConfigCodec, type OptimizerConfig, type OptimizerState } from '../train/optim.js';

export interface Checkpoint {
  readonly config: UNetConfig;
  readonly params: Params;
  /** Present in training checkpoints (for --resume); absent in exported models. */
  readonly training?: {
    readonly optimizer: OptimizerConfig;
    readonly state: OptimizerState;
    readonly step: number;
    readonly seed: number;
    /** Anything else the trainer needs to resume bit-exactly (JSON). */
    readonly extra: string;
  };
}

const FORMAT = 'unet-ts/1';
const OPT = 'optimizer.';

/** PyTorch stores biases as [C]; inside unet-ts they are [1, C, 1, 1] to broadcast over NCHW. */
const toFile = (name: string, t: Tensor): NamedTensor => ({ shape: name.endsWith('.bias') ? [t.shape[1]] : [...t.shape], data: t.data });

const jsonField = <A>(meta: Readonly<Record<string, string>>, key: string, codec: t.Type<A>, file: string): A => {
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

/** Writes a checkpoint atomically (temp file, fsync, rename): a crash leaves the old file whole. */
export const saveCheckpoint = async (path: string, ck: Checkpoint): Promise<void> => {
  const tensors = new Map<string, NamedTensor>();
  for (const [k, v] of Object.entries(ck.params)) tensors.set(k, toFile(k, v));
  const metadata: Record<string, string> = { format: FORMAT, config: JSON.stringify(ck.config) };
  if (ck.training) {
    for (const [k, v] of Object.entries(ck.training.state.buffers)) tensors.set(OPT + k, { shape: [...v.shape], data: v.data });
    metadata['optimizer'] = JSON.stringify(ck.training.optimizer);
    metadata['step'] = String(ck.training.step);
    metadata['optimizerStep'] = String(ck.training.state.step);
    metadata['seed'] = String(ck.training.seed);
    metadata['extra'] = ck.training.extra;
  }
  const r = await writeSafetensorsFile(path, tensors, metadata)();
  if (E.isLeft(r)) throw r.left;
};

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Reads and validates a checkpoint: every parameter present with the shape its config implies. */
export const loadCheckpoint = async (path: string): Promise<Checkpoint> => {
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
  const extraNames = [...tensors.keys()].filter((k) => !k.startsWith(OPT) && !(k in params));
  if (extraNames.length > 0) throw new CheckpointError(path, `unexpected tensors not in the config: ${extraNames.slice(0, 5).join(', ')}`);
  if (metadata['optimizer'] === undefined) return { config, params };
  const optimizer = jsonField(metadata, 'optimizer', OptimizerConfigCodec, path);
  const buffers: Record<string, Tensor> = {};
  for (const [k, v] of tensors) {
    if (!k.startsWith(OPT)) continue;
    const name = k.slice(OPT.length);
    const param = params[name.replace(/\.[mv]$/, '')];
    if (!param || !sameDims(v.shape, param.shape)) throw new CheckpointError(path, `optimizer buffer '${k}' does not match a parameter`);
    buffers[name] = { shape: param.shape as Shape, data: v.data };
  }
  const int = (k: string): number => jsonField(metadata, k, t.number, path);
  return {
    config,
    params,
    training: { optimizer, state: { step: int('optimizerStep'), buffers }, step: int('step'), seed: int('seed'), extra: metadata['extra'] ?? '{}' },
  };
};
