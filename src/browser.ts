/**
 * unet-ts in a browser: the same library as './index.ts' (the same src/ modules, runtime and
 * kernels), without the parts that need Node — files and folders (readImage, datasets, model
 * files by path, writeOutputs), the native `gl` and Dawn `webgpu` packages, webasm's worker
 * threads, onnxruntime-node, and the file-writing trainer. package.json's "browser" export
 * condition resolves `import … from 'unet-ts'` here in a bundler (esbuild, Vite); Node gets
 * './index.ts'. Backends: `webgpu` where `navigator.gpu` gives an adapter, else `webgl2`, else
 * `cpu` (src/runtime/browser.ts); `rt.backend` says which runs.
 *
 * Models come as bytes or a URL: `decodeModel(bytes)`, `loadModelUrl(url)`; a model made in
 * the page is saved with `encodeModel`.
 *
 * @packageDocumentation
 *
 * @example
 * import { createRuntime, loadModelUrl, segmentImage, image } from 'unet-ts';
 * declare const w: number, h: number, grey: Float32Array; // the user's image
 * const rt = await createRuntime();                               // webgpu, else webgl2
 * const model = await loadModelUrl('models/isbi2012-small.safetensors');
 * const seg = await segmentImage(rt, model, image(w, h, 1, grey)); // grey: Float32Array, normalised
 * seg.labels; // Uint8Array of class indices
 */
// Tensors and shapes
export { tensor, fromArray, zeros, fill, randomNormal, size, at, type Tensor, type Shape } from './tensor/tensor.js';
export { OpShapeError, type ShapeError } from './tensor/shape-error.js';
export { rng, type Rng } from './tensor/random.js';
export * as shapes from './tensor/shape.js';
// Runtime (the browser's platform binding)
export { createRuntime, browserBackends, chooseBrowserBackend, type BrowserBackends } from './runtime/browser.js';
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
export { decodeModel, encodeModel, loadModelUrl, type FetchLike, type ModelData } from './unet/model-file.js';
export { CheckpointError } from './checkpoint/checkpoint-error.js';
export { BUNDLED_MODELS, type BundledModelName } from './unet/bundled-names.js';
// Training steps (the trainer itself writes run folders: Node only)
export { lossAndGrads, type LossKind, type StepResult } from './train/step.js';
export { sgd, adam, initState, update, OptimizerConfigCodec, type OptimizerConfig, type OptimizerState } from './train/optim.js';
export { ScheduleCodec, learningRate, type Schedule } from './train/schedule.js';
// Inference and metrics
export { segmentImage, gpujsForward, type Segmentation, type SegmentOptions, type TileChoice, type Model, type TileProgress, type Engine, type TileForward } from './infer/tiles.js';
export { InferenceError } from './infer/inference-error.js';
export * as metrics from './metrics/index.js';
// Data in memory
export { image, toTensor, fromTensor, normalize, type Image, type RawImage, type NormalizeMode } from './data/image.js';
export { DataError } from './data/errors.js';
export { labelsFromImage, type LabelMap, type Labels, type LabelKind, type LabelOptions, type Connectivity } from './data/labels.js';
export { weightMap, weightMapCache, type WeightMap, type WeightMapOptions, type WeightMapCache } from './data/weight-map.js';
export { sampleTile, type Sample, type TileOptions, type TrainingItem } from './data/tiles.js';
export { synthetic, type SyntheticOptions, type SyntheticSample } from './data/synthetic.js';
export type { AugmentOptions, GrayOptions } from './data/augment.js';
export type { Interpolation } from './data/interpolate.js';
