/**
 * Checkpoints: the safetensors format (float32), atomic file replacement, file read/write.
 *
 * @example
 * import { readSafetensorsFile, writeSafetensorsFile } from './checkpoint/index.js';
 */
export { CheckpointError, checkpointError } from './checkpoint-error.js';
export { decodeSafetensors, encodeSafetensors, type NamedTensor, type Safetensors, type TensorTable } from './safetensors.js';
export { tempPath, writeFileAtomic } from './atomic.js';
export { readSafetensorsFile, writeSafetensorsFile } from './safetensors-file.js';
