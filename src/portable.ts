/**
 * The part of unet-ts that runs anywhere: no Node built-in, no native package, no file
 * system. Both entry points re-export it — './index.ts' (Node) adds files, folders, the
 * trainer, exports and the Node runtime; './browser.ts' adds the browser's runtime — so the
 * two can never disagree about what they share.
 *
 * @example
 * import { geometry, PRESETS } from './portable.js';
 * geometry({ depth: 4, padding: 'valid' })(572); // Right: 572 → 388
 * PRESETS.small.base; // 16
 */
// Tensors and shapes
export { tensor, fromArray, zeros, fill, randomNormal, size, at, type Tensor, type Shape } from './tensor/tensor.js';
export { OpShapeError, type ShapeError } from './tensor/shape-error.js';
export { rng, type Rng } from './tensor/random.js';
export * as shapes from './tensor/shape.js';
// Runtime: what does not depend on the platform (each entry point adds its createRuntime)
export { isResidentBackend, type Runtime, type RuntimeOptions, type RuntimeStats, type KernelSpec, type Arg } from './runtime/core.js';
export {
  readTensor,
  uploadTensor,
  tensorOf,
  storedOf,
  isDeviceTensor,
  type AnyTensor,
  type DeviceTensor,
  type DeviceArray,
  type Stored,
} from './tensor/device-tensor.js';
export { BACKENDS, BROWSER_BACKENDS, BackendError, type BackendName } from './runtime/backend-names.js';
// Autodiff
export { apply, backward, leaf, valueAndGrad, trainingCtx, inferenceCtx, type Ctx, type Var, type Tape, type Entry, type EntryOf } from './autodiff/tape.js';
export { conv2d, relu, maxPool2, upConv2, centerCrop, concat, dropout, softmaxCrossEntropy, softDice, add } from './autodiff/ops.js';
export { rules, type RuleTable } from './layers/rules.js';
export type { OpName, OpRule, OpSignatures, Inputs, Attrs, Saved, Forward } from './layers/op.js';
export { checkOps, type CheckRow } from './verify/ops.js';
export { CHECK_NETWORKS, checkNetworkGradient, type NetworkCheck } from './verify/network.js';
// The model
export { geometry, validAbove, validBelow, type Geometry, type GeometryConfig, type Level, type Padding } from './unet/geometry.js';
export { PRESETS, UNetConfigCodec, decodeConfig, type UNetConfig, type PresetName } from './unet/config.js';
export { initParams, paramSpecs, parameterCount, type Params, type ParamSpec } from './unet/params.js';
export { unet, type Layers } from './unet/architecture.js';
export { unetForward, predictLogits, paramVars, type ForwardOptions, type ParamVars } from './unet/model.js';
// Models as bytes or from a URL (an upload, a browser's fetch)
export { decodeModel, encodeModel, loadModelUrl, type FetchLike, type ModelData } from './unet/model-file.js';
export { CheckpointError } from './checkpoint/checkpoint-error.js';
export { BUNDLED_MODELS, type BundledModelName } from './unet/bundled-names.js';
// Training steps (the trainer, which writes run folders, is Node's)
export { lossAndGrads, type LossKind, type StepResult } from './train/step.js';
export { sgd, adam, initState, update, OptimizerConfigCodec, type OptimizerConfig, type OptimizerState } from './train/optim.js';
export { ScheduleCodec, learningRate, type Schedule } from './train/schedule.js';
export { trainStep, startTraining, stepRng, type TrainSetup, type TrainState, type StepReport } from './train/session.js';
// Inference and metrics
export { segmentImage, gpujsForward, type Segmentation, type SegmentOptions, type TileChoice, type Model, type TileProgress, type Engine, type TileForward } from './infer/tiles.js';
export { InferenceError } from './infer/inference-error.js';
export { outputPngs, instanceMap, probabilityImage, overlayRaster, displayGrey, MAX_ID16, type OutputPng } from './infer/output-images.js';
export * as metrics from './metrics/index.js';
// Data in memory
export { image, toTensor, fromTensor, normalize, type Image, type RawImage, type NormalizeMode } from './data/image.js';
export { DataError } from './data/errors.js';
export { labelsFromImage, type LabelMap, type Labels, type LabelKind, type LabelOptions, type Connectivity } from './data/labels.js';
export { weightMap, weightMapCache, type WeightMap, type WeightMapOptions, type WeightMapCache } from './data/weight-map.js';
export { sampleTile, type Sample, type TileOptions, type TrainingItem } from './data/tiles.js';
export { pngBytes, rgbPngBytes, type RgbPixels } from './data/png-encode.js';
export { decodeTiff, decodeTiffPages, type TiffOptions } from './data/tiff-decode.js';
export { synthetic, type SyntheticOptions, type SyntheticSample } from './data/synthetic.js';
export { syntheticLabelled, trainingItemOf, type LabelledImage } from './data/synthetic-set.js';
export type { AugmentOptions, GrayOptions } from './data/augment.js';
export type { Interpolation } from './data/interpolate.js';
