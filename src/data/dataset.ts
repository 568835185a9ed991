/**
 * Data sets from folders: an images folder and a labels folder whose files pair by stem
 * (`images/00.png` ↔ `labels/00.png`; the extensions may differ, e.g. `.tif` ↔ `.png`).
 * Files without an image extension (.png, .tif, .tiff) and hidden files are ignored.
 *
 * Opening a data set only lists and pairs the files; `loadEntry` reads one pair on demand
 * (DSB 2018 has 313 pairs), so memory holds only what training touches.
 *
 * @example
 * import { openDataset, loadEntry, splitDataset } from './dataset.js';
 * const ds = openDataset({ imagesDir: 'isbi2012/images', labelsDir: 'isbi2012/labels', kind: 'binary' });
 * const { train, validation } = splitDataset({ fraction: 0.2, seed: 1 })(ds);
 * const item = loadEntry(train)(train.entries[0]!); // { image, labels, ... }
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../tensor/random.js';
import { DataError, messageOf, shortName } from './errors.js';
import type { Image, NormalizeMode } from './image.js';
import { maxValue, normalize } from './image.js';
import { isImageFile, readImageFile } from './image-file.js';
import { labelsFromImage, type Connectivity, type LabelKind, type Labels } from './labels.js';
import type { TrainingItem } from './tiles.js';
import type { WeightMapCache } from './weight-map.js';

export interface DatasetOptions {
  readonly imagesDir: string;
  readonly labelsDir: string;
  /** How label files are read: 'binary', 'multiclass' or 'instances' (labels.ts). */
  readonly kind: LabelKind;
  /** For 'multiclass' (default 2). */
  readonly numClasses?: number;
  /** Connected components of binary/multiclass labels (default 4). */
  readonly connectivity?: Connectivity;
  /** Instances: separation borders between touching objects (default true). */
  readonly separateTouching?: boolean;
  /** Name used in cache keys (default: the folder holding imagesDir). */
  readonly name?: string;
  /** RGB images to luminance (default false). */
  readonly grey?: boolean;
  /** Intensity normalisation (default 'per-image'). */
  readonly normalize?: NormalizeMode;
  /** The page of multi-page TIFF images and labels (required for those, see `readImageFile`). */
  readonly page?: number;
  /** Largest width × height of an image or label file (default `DEFAULT_MAX_PIXELS`). */
  readonly maxPixels?: number;
}

/** The page and pixel limit of `o` as `readImageFile` options. */
const fileOptions = (o: DatasetOptions): { readonly page?: number; readonly maxPixels?: number } => ({
  ...(o.page !== undefined ? { page: o.page } : {}),
  ...(o.maxPixels !== undefined ? { maxPixels: o.maxPixels } : {}),
});

/** One image/label pair, not yet read. */
export interface DatasetEntry {
  readonly stem: string;
  readonly imagePath: string;
  readonly labelPath: string;
}

export interface Dataset {
  readonly name: string;
  readonly options: DatasetOptions;
  /** Pairs sorted by stem. */
  readonly entries: readonly DatasetEntry[];
}

/** A loaded pair. `key` (`name/stem`) identifies it in caches. */
export interface LoadedEntry {
  readonly key: string;
  readonly stem: string;
  readonly image: Image;
  readonly labels: Labels;
}

const stemOf = (f: string): string => path.basename(f, path.extname(f));

/** Stem → path of the image files in a folder, or a DataError. */
const listFolder = (dir: string, role: string): Map<string, string> => {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new DataError(`${role} folder ${dir}: cannot be listed (${messageOf(e)})`, dir);
  }
  const files = names.filter((f) => !f.startsWith('.') && isImageFile(f)).sort();
  if (files.length === 0) throw new DataError(`${role} folder ${dir}: is empty; expected image files (.png, .tif, .tiff)`, dir);
  const out = new Map<string, string>();
  for (const f of files) {
    const prev = out.get(stemOf(f));
    if (prev !== undefined) {
      throw new DataError(`${role} folder ${dir}: ${path.basename(prev)} and ${f} have the same stem '${stemOf(f)}'; expected one file per stem`, path.join(dir, f));
    }
    out.set(stemOf(f), path.join(dir, f));
  }
  return out;
};

const listNames = (paths: readonly string[]): string => {
  const shown = paths.slice(0, 10).map((p) => path.basename(p));
  return shown.join(', ') + (paths.length > 10 ? `, … (${paths.length} in all)` : '');
};

/**
 * Lists and pairs the files of a data set. Throws a DataError for a missing or empty
 * folder, two files with one stem, or files without a partner (all of them named).
 *
 * @example
 * openDataset({ imagesDir: 'dsb2018/images', labelsDir: 'dsb2018/instances', kind: 'instances' }).entries.length; // 313
 */
export const openDataset = (opts: DatasetOptions): Dataset => {
  const images = listFolder(opts.imagesDir, 'images');
  const labels = listFolder(opts.labelsDir, 'labels');
  const noLabel = [...images].filter(([s]) => !labels.has(s)).map(([, p]) => p);
  const noImage = [...labels].filter(([s]) => !images.has(s)).map(([, p]) => p);
  if (noLabel.length > 0 || noImage.length > 0) {
    const parts = [
      noLabel.length > 0 ? `${noLabel.length} image(s) without a label in ${opts.labelsDir}: ${listNames(noLabel)}` : '',
      noImage.length > 0 ? `${noImage.length} label(s) without an image in ${opts.imagesDir}: ${listNames(noImage)}` : '',
    ].filter((s) => s.length > 0);
    throw new DataError(`unpaired files: ${parts.join('; ')}; expected every image to have a label with the same stem`, noLabel[0] ?? noImage[0]);
  }
  const entries = [...images].map(([stem, imagePath]) => ({ stem, imagePath, labelPath: labels.get(stem)! }));
  const name = opts.name ?? path.basename(path.dirname(path.resolve(opts.imagesDir)));
  return { name, options: opts, entries };
};

/** Labels of a label image read with the data set's options. */
const toLabels = (o: DatasetOptions, file: string, img: Image): Labels =>
  labelsFromImage({
    kind: o.kind,
    file,
    ...(o.numClasses !== undefined ? { numClasses: o.numClasses } : {}),
    ...(o.connectivity !== undefined ? { connectivity: o.connectivity } : {}),
    ...(o.separateTouching !== undefined ? { separateTouching: o.separateTouching } : {}),
  })(img);

/**
 * Reads one pair: the normalised image and its labels. Throws a DataError naming the file
 * for unreadable files, a size mismatch, or labels that do not fit the configured kind.
 *
 * @example
 * declare const ds: Dataset;
 * const { image, labels } = loadEntry(ds)(ds.entries[0]!);
 */
export const loadEntry = (ds: Dataset) => (entry: DatasetEntry): LoadedEntry => {
  const o = ds.options;
  const raw = readImageFile(entry.imagePath, { ...fileOptions(o), grey: o.grey ?? false });
  const lab = readImageFile(entry.labelPath, { ...fileOptions(o), paletteIndex: true });
  const { width: w, height: h } = raw.image;
  if (lab.image.width !== w || lab.image.height !== h) {
    throw new DataError(
      `${shortName(entry.labelPath)}: size ${lab.image.width}×${lab.image.height} does not match image ${shortName(entry.imagePath)} ${w}×${h}`,
      entry.labelPath,
    );
  }
  const labels = toLabels(o, entry.labelPath, lab.image);
  const image = normalize(o.normalize ?? 'per-image', maxValue(raw))(raw.image);
  return { key: `${ds.name}/${entry.stem}`, stem: entry.stem, image, labels };
};

/** How to hold out a validation set: listed stems, or a seeded random fraction. */
export type SplitBy = { readonly names: readonly string[] } | { readonly fraction: number; readonly seed: number };

/**
 * Splits a data set into training and validation parts (both keep the stem order).
 * `{ fraction, seed }` draws round(fraction · N) validation pairs with the seeded rng;
 * `{ names }` takes the listed stems (a DataError names any stem that is not in the set).
 *
 * @example
 * declare const isbi: Dataset;
 * splitDataset({ names: ['20', '21', '22', '23'] })(isbi).validation.entries.length; // 4
 */
export const splitDataset = (by: SplitBy) => (ds: Dataset): { readonly train: Dataset; readonly validation: Dataset } => {
  let held: Set<string>;
  if ('names' in by) {
    const stems = new Set(ds.entries.map((e) => e.stem));
    const unknown = by.names.filter((s) => !stems.has(s));
    if (unknown.length > 0) throw new DataError(`validation names not in data set ${ds.name}: ${unknown.join(', ')}; expected stems such as ${ds.entries[0]?.stem ?? '(none)'}`);
    held = new Set(by.names);
  } else {
    if (!(by.fraction >= 0 && by.fraction <= 1)) throw new DataError(`validation fraction ${by.fraction}; expected a number in [0, 1]`);
    const r = rng(by.seed);
    const order = ds.entries.map((e) => e.stem);
    for (let i = order.length - 1; i > 0; i--) {
      const j = r.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    held = new Set(order.slice(0, Math.round(by.fraction * order.length)));
  }
  return {
    train: { ...ds, entries: ds.entries.filter((e) => !held.has(e.stem)) },
    validation: { ...ds, entries: ds.entries.filter((e) => held.has(e.stem)) },
  };
};

/**
 * A loaded pair ready for `sampleTile`: image, class map and its Eq. 2 weight map, which
 * the cache computes once per `dataset/stem` key.
 *
 * @example
 * declare const ds: Dataset;
 * const cache = weightMapCache();
 * const item = trainingItem(cache)(loadEntry(ds)(ds.entries[0]!));
 */
export const trainingItem = (cache: WeightMapCache) => (e: LoadedEntry): TrainingItem => ({
  image: e.image,
  classes: e.labels.classes,
  weights: cache.get(e.key, e.labels),
});

/**
 * Data-set-wide class-balancing weights: the w_c formula of weight-map.ts (inverse
 * frequency, mean weight 1 over all pixels) on the pooled class counts of every label
 * file. Pass the result as `classWeights` to `weightMap`/`weightMapCache` to balance the
 * classes over the whole set instead of per image (milder for images with few objects).
 * Reads every label file once.
 *
 * @example
 * declare const ds: Dataset;
 * const cache = weightMapCache({ classWeights: datasetClassWeights(ds) });
 */
export const datasetClassWeights = (ds: Dataset): readonly number[] => {
  let counts: number[] = [];
  let total = 0;
  for (const e of ds.entries) {
    const labels = toLabels(ds.options, e.labelPath, readImageFile(e.labelPath, { ...fileOptions(ds.options), paletteIndex: true }).image);
    if (counts.length === 0) counts = new Array<number>(labels.numClasses).fill(0);
    for (const c of labels.classes.data) counts[c] = (counts[c] ?? 0) + 1;
    total += labels.classes.data.length;
  }
  const present = counts.filter((n) => n > 0).length;
  return counts.map((n) => (n > 0 ? total / (present * n) : 0));
};
