/**
 * Training checkpoints: the model file of src/unet/checkpoint.ts plus the optimizer's buffers
 * (`optimizer.<param>.m|v`) and, in `__metadata__`, the optimizer config, step and seed as
 * JSON strings, decoded with io-ts on load. `--resume` continues from one bit-exactly; an
 * exported model (no training state) loads as well, without `training`.
 *
 * @example
 * import { loadCheckpoint, saveCheckpoint } from 'unet-ts';
 * const ck = await loadCheckpoint('out/last.safetensors');     // { config, params, training? }
 * await saveCheckpoint('model.safetensors', { config: ck.config, params: ck.params });
 */
import * as t from 'io-ts';
import { jsonField, readModelFile, writeModelFile, type ModelData } from '../unet/checkpoint.js';
import { OptimizerConfigCodec, type OptimizerConfig, type OptimizerState } from './optim.js';

export interface Checkpoint extends ModelData {
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

/** Writes a checkpoint atomically (temp file, fsync, rename): a crash leaves the old file whole. */
export const saveCheckpoint = (path: string, ck: Checkpoint): Promise<void> =>
  writeModelFile(
    path,
    ck,
    ck.training && {
      buffers: ck.training.state.buffers,
      metadata: {
        optimizer: JSON.stringify(ck.training.optimizer),
        step: String(ck.training.step),
        optimizerStep: String(ck.training.state.step),
        seed: String(ck.training.seed),
        extra: ck.training.extra,
      },
    },
  );

/** Reads and validates a checkpoint: every parameter present with the shape its config implies. */
export const loadCheckpoint = async (path: string): Promise<Checkpoint> => {
  const { config, params, state } = await readModelFile(path);
  if (state?.metadata['optimizer'] === undefined) return { config, params };
  const meta = state.metadata;
  const int = (k: string): number => jsonField(meta, k, t.number, path);
  return {
    config,
    params,
    training: {
      optimizer: jsonField(meta, 'optimizer', OptimizerConfigCodec, path),
      state: { step: int('optimizerStep'), buffers: state.buffers },
      step: int('step'),
      seed: int('seed'),
      extra: meta['extra'] ?? '{}',
    },
  };
};
