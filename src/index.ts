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
export * from './portable.js';
// Runtime: Node's platform binding (native gl, Dawn webgpu, webasm's worker threads)
export { createRuntime } from './runtime/runtime.js';
// Model files and the models shipped in the package
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './train/checkpoint.js';
export { bundledModel } from './unet/bundled.js';
// Training
export { train, TrainingError, type TrainOptions, type TrainResult, type StepInfo, type Validation } from './train/trainer.js';
export { validator, selectionScore, SELECTABLE, type Selection } from './train/validation.js';
// Models that leave TypeScript: ONNX and bioimage.io packages
export { exportOnnx, onnxMetadata, ONNX_OPSET, type OnnxExportOptions } from './export/onnx.js';
export { inputSizes, onnxInputError, OnnxInputError, type InputSizes } from './export/onnx-input.js';
export { bioimageioPackage, zipPackage, type BioimageioOptions, type BioimageioPackage } from './export/bioimageio.js';
export { bioimageioRdf, BIOIMAGEIO_FORMAT_VERSION, UNET_CITATION, type Author, type BioimageioRdf, type PackagedFile, type RdfInput } from './export/bioimageio-rdf.js';
export { encodeNpy, readNpy, type NpyArray } from './export/npy.js';
export { onnxForward, loadOnnxruntime, ONNXRUNTIME_INSTALL, ONNXRUNTIME_PACKAGE, type OnnxForward, type OnnxForwardOptions, type OrtModule, type OrtSession } from './export/onnx-runtime.js';
// Evaluation and outputs (files)
export {
  evaluateModel, baselineEvaluation, writeOutputs, segmentFile,
  type Evaluation, type EvaluateOptions, type ImageMetrics, type MetricName, type OutputOptions, type Written,
  type BaselineEntry, type BaselineEvaluation, type SegmentFileOptions, type SegmentedFile,
} from './infer/index.js';
// Past one machine: segmentation jobs on a BullMQ queue in Redis (Node only)
export {
  submitSegmentation, runWorker, batchStatus, waitForBatch, batchFinished, QueueError, QUEUE_DEFAULT,
  type SubmitOptions, type Submitted, type WorkerOptions, type RunningWorker, type BatchStatus, type JobFailure, type StatusOptions,
  type SegmentJobData, type SegmentJobResult, type SegmentJobProgress, type JobOptions, type StripJob,
} from './queue/index.js';
// Data from files (written through one atomic writer, which throws AtomicWriteError)
export { AtomicWriteError } from './io/atomic.js';
export {
  readImage, decodeImage, DEFAULT_MAX_PIXELS, decodePng, encodePng, writePng,
  openDataset, loadEntry, splitDataset, trainingItem,
  type ImageFileOptions, type ReadImageOptions, type ReadOptions, type WriteOptions,
  type Dataset, type DatasetEntry, type DatasetOptions, type SplitBy, type LoadedEntry,
} from './data/index.js';
