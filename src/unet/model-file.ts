/**
 * The model file's contents without the file: decoding and validating a unet-ts safetensors
 * model from bytes (an upload, a `fetch` of a shipped model in the browser), shared by the
 * file reader in ./checkpoint.ts. No Node built-ins: the browser build uses it.
 * The format is described in ./checkpoint.ts.
 *
 * @example
 * const bytes = new Uint8Array(await (await fetch('isbi2012-small.safetensors')).arrayBuffer());
 * const model = decodeModel(bytes, 'isbi2012-small.safetensors'); // { config, params }
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor, type Safetensors } from '../checkpoint/safetensors.js';
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

export const FORMAT = 'unet-ts/1';
export const STATE = 'optimizer.';

/** PyTorch stores biases as [C]; inside unet-ts they are [1, C, 1, 1] to broadcast over NCHW. */
export const toFile = (name: string, t: Tensor): NamedTensor => ({ shape: name.endsWith('.bias') ? [t.shape[1]] : [...t.shape], data: t.data });

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

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** Validates decoded safetensors as a model file: every parameter present with the shape its config implies. `name` is for errors. */
export const modelFromSafetensors = (st: Safetensors, name: string): ModelFile => {
  const { tensors, metadata } = st;
  if (metadata['format'] !== FORMAT) throw new CheckpointError(name, `not a unet-ts checkpoint (metadata format is ${JSON.stringify(metadata['format'])}, expected "${FORMAT}")`);
  const cfg = decodeConfig(jsonField(metadata, 'config', t.unknown, name), `${name} (config)`);
  if (E.isLeft(cfg)) throw new CheckpointError(name, cfg.left);
  const config = cfg.right;
  const params: Record<string, Tensor> = {};
  for (const spec of paramSpecs(config)) {
    const f = tensors.get(spec.name);
    if (!f) throw new CheckpointError(name, `tensor '${spec.name}' is missing (the config needs it)`);
    const want = toFile(spec.name, { shape: spec.shape, data: f.data }).shape;
    if (!sameDims(f.shape, want)) throw new CheckpointError(name, `tensor '${spec.name}' has shape ${showShape(f.shape)}, the config needs ${showShape(want)}`);
    params[spec.name] = { shape: spec.shape, data: f.data };
  }
  const extraNames = [...tensors.keys()].filter((k) => !k.startsWith(STATE) && !(k in params));
  if (extraNames.length > 0) throw new CheckpointError(name, `unexpected tensors not in the config: ${extraNames.slice(0, 5).join(', ')}`);
  const buffers: Record<string, Tensor> = {};
  for (const [k, v] of tensors) {
    if (!k.startsWith(STATE)) continue;
    const name = k.slice(STATE.length);
    const param = params[name.replace(/\.[^.]+$/, '')];
    if (!param || !sameDims(v.shape, param.shape)) throw new CheckpointError(name, `optimizer buffer '${k}' does not match a parameter`);
    buffers[name] = { shape: param.shape as Shape, data: v.data };
  }
  const { format: _f, config: _c, ...rest } = metadata;
  if (Object.keys(buffers).length === 0 && Object.keys(rest).length === 0) return { config, params };
  return { config, params, state: { buffers, metadata: rest } };
};

/**
 * A model from the bytes of a model file (a training checkpoint or an exported model):
 * `{ config, params }`, optimizer state dropped. Throws a CheckpointError naming `name`.
 *
 * @example
 * const model = decodeModel(bytes, 'upload.safetensors'); // bytes: a file the user dropped
 * const seg = await segmentImage(rt, model, img);
 */
export const decodeModel = (bytes: Uint8Array, name = 'model.safetensors'): ModelData => {
  const r = decodeSafetensors(bytes, name);
  if (E.isLeft(r)) throw r.left;
  const { config, params } = modelFromSafetensors(r.right, name);
  return { config, params };
};

/** A fetch function, as far as loadModelUrl uses it (the global `fetch` by default). */
export type FetchLike = (url: string) => Promise<{ readonly ok: boolean; readonly status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/**
 * A model fetched from a URL (in the browser: a shipped model served beside the page). Throws
 * a CheckpointError naming the URL on an HTTP error or a bad file.
 *
 * @example
 * const model = await loadModelUrl('/models/isbi2012-small.safetensors');
 */
export const loadModelUrl = async (url: string, fetchFn?: FetchLike): Promise<ModelData> => {
  const f = fetchFn ?? (globalThis as unknown as { fetch: FetchLike }).fetch;
  const res = await f(url);
  if (!res.ok) throw new CheckpointError(url, `HTTP ${res.status}`);
  return decodeModel(new Uint8Array(await res.arrayBuffer()), url);
};

/**
 * The bytes of a model file holding `model` (no optimizer state): what `decodeModel` reads
 * back, and what `export` writes (in the browser: a download of a model trained in the page).
 */
export const encodeModel = (model: ModelData): Uint8Array => {
  const tensors = new Map<string, NamedTensor>();
  for (const [k, v] of Object.entries(model.params)) tensors.set(k, toFile(k, v));
  return encodeSafetensors(tensors, { format: FORMAT, config: JSON.stringify(model.config) });
};
