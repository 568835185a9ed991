/**
 * unet-ts — U-Net (Ronneberger, Fischer, Brox, MICCAI 2015) in TypeScript on GPU.js.
 * Everything an embedding program needs is exported from here, with its types.
 *
 * @packageDocumentation
 *
 * @example
 * import { createRuntime, loadCheckpoint, readImage, segmentImage } from 'unet-ts';
 * const rt = await createRuntime();                       // best backend that starts
 * const model = await loadCheckpoint('model.safetensors'); // { config, params }
 * const seg = await segmentImage(rt, model, readImage('cells.png'), { tta: false });
 * seg.labels; // Uint8Array of class indices, seg.width × seg.height
 * await rt.dispose();
 *
 * @example
 * // Bytes in memory (an upload) and a model shipped with the package:
 * import { bundledModel, decodeImage } from 'unet-ts';
 * const img = decodeImage(bytes, { name: 'upload.tif' }); // PNG or TIFF, told by the signature
 * const seg = await segmentImage(rt, await loadCheckpoint(bundledModel('isbi2012-small')), img);
 *
 * @example
 * // In a browser, a bundler resolves 'unet-ts' to src/browser.ts (package.json "browser" condition):
 * const m = await loadModelUrl('models/isbi2012-small.safetensors'); // or decodeModel(bytes)
 */
// Tensors and shapes
export { tensor, fromArray, zeros, fill, randomNormal, size, at, type Tensor, type Shape } from './tensor/tensor.js';
export { OpShapeError, type ShapeError } from './tensor/shape-error.js';
export { rng, type Rng } from './tensor/random.js';
export * as shapes from './tensor/shape.js';
// Runtime
export { createRuntime, isResidentBackend, type Runtime, type RuntimeOptions, type RuntimeStats, type KernelSpec, type Arg } from './runtime/runtime.js';
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
export { BACKENDS, BROWSER_BACKENDS, BackendError, type BackendName } from './runtime/backend.js';
// Autodiff
export { apply, backward, leaf, valueAndGrad, trainingCtx, inferenceCtx, type Ctx, type Var, type Tape, type Entry, type EntryOf } from './autodiff/tape.js';
export { conv2d, relu, maxPool2, upConv2, centerCrop, concat, dropout, softmaxCrossEntropy, softDice, add } from './autodiff/ops.js';
export { rules, type RuleTable } from './layers/rules.js';
export type { OpName, OpRule, OpSignatures, Inputs, Attrs, Saved, Forward } from './layers/op.js';
export { checkOps, type CheckRow } from './verify/ops.js';
// The model
export { geometry, validAbove, validBelow, type Geometry, type GeometryConfig, type Level, type Padding } from './unet/geometry.js';
export { PRESETS, UNetConfigCodec, decodeConfig, type UNetConfig, type PresetName } from './unet/config.js';
export { initParams, paramSpecs, parameterCount, type Params, type ParamSpec } from './unet/params.js';
export { unet, type Layers } from './unet/architecture.js';
export { unetForward, predictLogits, paramVars, type ForwardOptions, type ParamVars } from './unet/model.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './train/checkpoint.js';
export { bundledModel, BUNDLED_MODELS, type BundledModelName } from './unet/bundled.js';
// Models as bytes or from a URL (an upload, a browser's fetch; what the browser build loads with)
export { decodeModel, encodeModel, loadModelUrl, type FetchLike, type ModelData } from './unet/model-file.js';
// Training
export { train, TrainingError, type TrainOptions, type TrainResult, type StepInfo, type Validation } from './train/trainer.js';
export { lossAndGrads, type LossKind, type StepResult } from './train/step.js';
export { sgd, adam, initState, update, OptimizerConfigCodec, type OptimizerConfig, type OptimizerState } from './train/optim.js';
export { ScheduleCodec, learningRate, type Schedule } from './train/schedule.js';
export { validator, selectionScore, SELECTABLE, type Selection } from './train/validation.js';
// Models that leave TypeScript: ONNX and bioimage.io packages
export { exportOnnx, onnxMetadata, ONNX_OPSET, type OnnxExportOptions } from './export/onnx.js';
export { inputSizes, onnxInputError, OnnxInputError, type InputSizes } from './export/onnx-input.js';
export { bioimageioPackage, zipPackage, type BioimageioOptions, type BioimageioPackage } from './export/bioimageio.js';
export { bioimageioRdf, BIOIMAGEIO_FORMAT_VERSION, UNET_CITATION, type Author, type BioimageioRdf, type PackagedFile, type RdfInput } from './export/bioimageio-rdf.js';
export { encodeNpy, readNpy, type NpyArray } from './export/npy.js';
export { onnxForward, loadOnnxruntime, ONNXRUNTIME_INSTALL, ONNXRUNTIME_PACKAGE, type OnnxForward, type OnnxForwardOptions, type OrtModule, type OrtSession } from './export/onnx-runtime.js';
// Inference and metrics
export {
  segmentImage, evaluateModel, baselineEvaluation, writeOutputs, InferenceError, type Segmentation, type SegmentOptions, type TileChoice, type Model, type TileProgress,
  gpujsForward, type Engine, type TileForward,
  type Evaluation, type EvaluateOptions, type ImageMetrics, type MetricName, type OutputOptions, type Written,
  type BaselineEntry, type BaselineEvaluation,
} from './infer/index.js';
export * as metrics from './metrics/index.js';
// Data (files are written through one atomic writer, which throws AtomicWriteError)
export { AtomicWriteError } from './io/atomic.js';
export {
  readImage, decodeImage, DEFAULT_MAX_PIXELS, decodePng, encodePng, writePng, image, toTensor, fromTensor, normalize, DataError,
  openDataset, loadEntry, splitDataset, trainingItem, labelsFromImage, weightMap, weightMapCache, sampleTile, synthetic,
  type Image, type RawImage, type NormalizeMode, type ImageFileOptions, type ReadImageOptions, type ReadOptions, type WriteOptions,
  type Dataset, type DatasetEntry, type DatasetOptions, type SplitBy, type LoadedEntry, type Labels, type LabelMap, type LabelOptions,
  type LabelKind, type Connectivity, type GrayOptions, type Interpolation,
  type WeightMap, type WeightMapOptions, type WeightMapCache, type AugmentOptions, type Sample, type TileOptions, type TrainingItem,
  type SyntheticOptions, type SyntheticSample,
} from './data/index.js';
