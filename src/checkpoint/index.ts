/**
 * Checkpoints: the safetensors format (float32) and its file read/write (atomic writes
 * through src/io/atomic.ts).
 *
 * @example
 * import { readSafetensorsFile, writeSafetensorsFile } from './checkpoint/index.js';
 */
export { CheckpointError, checkpointError } from './checkpoint-error.js';
export { decodeSafetensors, encodeSafetensors, type NamedTensor, type Safetensors, type TensorTable } from './safetensors.js';
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js';
