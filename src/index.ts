/**
 * unet-ts — U-Net (Ronneberger, Fischer, Brox, MICCAI 2015) in TypeScript on GPU.js.
 *
 * @example
 * import { createRuntime, loadCheckpoint, readImage, segmentImage } from 'unet-ts';
 * const rt = await createRuntime();                       // best backend that starts
 * const model = await loadCheckpoint('model.safetensors'); // { config, params }
 * const seg = await segmentImage(rt, model, readImage('cells.png'), { tta: false });
 * seg.labels; // Uint8Array of class indices, seg.width × seg.height
 * await rt.dispose();
 */
// Tensors and shapes
export { tensor, fromArray, zeros, fill, randomNormal, size, at, type Tensor, type Shape } from './tensor/tensor.js';
export type { ShapeError } from './tensor/shape-error.js';
export { rng, type Rng } from './tensor/random.js';
export * as shapes from './tensor/shape.js';
// Runtime
export { createRuntime, type Runtime, type RuntimeOptions } from './runtime/runtime.js';
export { BACKENDS, BackendError, type BackendName } from './runtime/backend.js';
// Autodiff
export { apply, backward, leaf, valueAndGrad, trainingCtx, inferenceCtx, type Ctx, type Var, type Tape } from './autodiff/tape.js';
export { rules } from './autodiff/rules.js';
export type { OpName, OpRule, OpSignatures } from './autodiff/op.js';
export { checkOps, type CheckRow } from './autodiff/check.js';
// The model
export { geometry, validAbove, validBelow, type Geometry } from './unet/geometry.js';
export { PRESETS, decodeConfig, type UNetConfig, type PresetName } from './unet/config.js';
export { initParams, paramSpecs, parameterCount, type Params } from './unet/params.js';
export { unetForward, predictLogits, paramVars } from './unet/model.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './unet/checkpoint.js';
// Training
export { train, TrainingError, type TrainOptions, type TrainResult, type StepInfo, type Validation } from './train/trainer.js';
export { lossAndGrads } from './train/step.js';
export { sgd, adam, initState, update, type OptimizerConfig, type OptimizerState } from './train/optim.js';
// Inference and metrics
export { segmentImage, evaluateModel, writeOutputs, type Segmentation, type SegmentOptions, type Model } from './infer/index.js';
export * as metrics from './metrics/index.js';
// Data
export {
  readImage, writePng, openDataset, loadEntry, splitDataset, trainingItem, labelsFromImage, weightMap, weightMapCache,
  sampleTile, synthetic, type Image, type Dataset, type LoadedEntry, type Labels, type Sample,
} from './data/index.js';
