/**
 * Checkpoints: the safetensors format (float32) and its file read/write (atomic writes
 * through src/io/atomic.ts).
 *
 * @example
 * // from a module elsewhere in src/ (the checkpoint module is not exported by 'unet-ts'):
 * import { readSafetensorsFile, writeSafetensorsFile } from '../checkpoint/index.js';
 * await writeSafetensorsFile('m.safetensors', { b: { shape: [2], data: new Float32Array(2) } })();
 * const loaded = await readSafetensorsFile('m.safetensors')(); // Right({ tensors, metadata })
 */
export { CheckpointError, checkpointError } from './checkpoint-error.js';
export { decodeSafetensors, encodeSafetensors, type NamedTensor, type Safetensors, type TensorTable } from './safetensors.js';
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js';
