/**
 * The data module of unet-ts: images (PNG, TIFF), labels, data sets from folders, the
 * paper's weight map (Sec. 3, Eq. 2), augmentation (Sec. 3.1), mirror extrapolation,
 * random training tiles and synthetic cells. (Previews of training tiles, which need the
 * model's geometry and plot's pictures, are in src/preview, above data.)
 *
 * @example
 * import { openDataset, loadEntry, trainingItem, weightMapCache, sampleTile, rng } from 'unet-ts';
 * const ds = openDataset({ imagesDir: 'isbi2012/images', labelsDir: 'isbi2012/labels', kind: 'binary' });
 * const item = trainingItem(weightMapCache())(loadEntry(ds)(ds.entries[0]!));
 * const sample = sampleTile({ input: 188, output: 4 }, rng(1))(item); // { image, labels, weights } tensors
 */
export { DataError } from './errors.js';
export { image, toTensor, fromTensor, channel, luminance, normalize, maxValue } from './image.js';
export type { Image, RawImage, NormalizeMode } from './image.js';
export { decodePng, readPng, encodePng, encodeRgbPng, writePng } from './png.js';
export type { ReadOptions, RgbPixels, WriteOptions } from './png.js';
export { decodeTiff, decodeTiffPages, readTiff, readTiffPages } from './tiff.js';
export type { TiffOptions } from './tiff.js';
export { readImageFile, readImage, decodeImage, isImageFile, IMAGE_EXTENSIONS, DEFAULT_MAX_PIXELS } from './image-file.js';
export type { ImageFileOptions, ReadImageOptions } from './image-file.js';
export { labelMap, labelsFromImage, connectedComponents, separateTouching, countInstances } from './labels.js';
export type { LabelMap, Labels, LabelKind, LabelOptions, Connectivity } from './labels.js';
export { openDataset, loadEntry, splitDataset, trainingItem, datasetClassWeights } from './dataset.js';
export type { Dataset, DatasetEntry, DatasetOptions, LoadedEntry, SplitBy } from './dataset.js';
export { edt, edtSquared } from './distance.js';
export type { Mask } from './distance.js';
export { weightMap, weightMapCache, classBalance, nearestTwo } from './weight-map.js';
export type { WeightMap, WeightMapOptions, WeightMapCache } from './weight-map.js';
export { mirrorIndex, mirrorPad, mirrorPadLabels, crop, cropLabels } from './mirror.js';
export type { Pad, Rect } from './mirror.js';
export { identityMap, cubicWeights, upsampleCubic, sampleImage, sampleLabels, samplePlane, inside, cropMap } from './interpolate.js';
export type { CoordMap, Interpolation, Plane } from './interpolate.js';
export {
  sampleTransform,
  coordMap,
  elasticField,
  sampleGray,
  grayValue,
  identityTransform,
  noAugmentation,
} from './augment.js';
export type { AugmentOptions, GrayOptions, GrayParams, Transform } from './augment.js';
export { sampleTile, sampleTileMap } from './tiles.js';
export type { Sample, TileOptions, TrainingItem } from './tiles.js';
export { synthetic } from './synthetic.js';
export type { SyntheticOptions, SyntheticSample } from './synthetic.js';
