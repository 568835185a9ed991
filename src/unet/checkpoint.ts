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
import * as E from 'fp-ts/lib/Either.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../checkpoint/safetensors-file.js';
import type { NamedTensor } from '../checkpoint/safetensors.js';
import { FORMAT, STATE, modelFromSafetensors, toFile, type ModelData, type ModelFile, type StoredState } from './model-file.js';

export { jsonField, type ModelData, type ModelFile, type StoredState } from './model-file.js';

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

/** Reads and validates a model file: every parameter present with the shape its config implies. */
export const readModelFile = async (path: string): Promise<ModelFile> => {
  const r = await readSafetensorsFile(path)();
  if (E.isLeft(r)) throw r.left;
  return modelFromSafetensors(r.right, path);
};
