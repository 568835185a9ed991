/**
 * Label maps: per-pixel class indices and object (instance) ids, from label images.
 *
 * Three kinds of label image are understood:
 * - `'binary'`: a mask with at most two values: low → class 0, high → class 1 (so 0 vs
 *   any one non-zero value is 0 vs non-zero: 0/1, 0/255, 0/65535). One value is all
 *   background if it is 0, else all foreground. Three or more distinct values are a
 *   DataError naming the file and the values, never a silent threshold: such a file is an
 *   instance map (use `'instances'`), a class map (use `'multiclass'`) or a mask saved with
 *   anti-aliased or lossy edges, and in each case thresholding at 0 would train on wrong
 *   labels (every edge pixel of value 1 becoming object) without a word. ISBI 2012 labels
 *   (0 = membrane, 255 = cell interior) read as membrane = 0 (background), cells = 1
 *   (foreground); the objects are the cells.
 * - `'multiclass'`: class indices 0…K−1 with K = `numClasses`; when the values are not all
 *   in 0…K−1 but there are at most K distinct values, they are mapped in increasing order
 *   to 0…K−1 (so 0/128/255 reads as 0/1/2). More than K distinct values is an error.
 * - `'instances'`: 0 = background, 1…N = one object each (e.g. the 16-bit DSB 2018 masks);
 *   classes are 0 = background, 1 = object, and the instance map keeps the ids. Touching
 *   objects are then separated as in the paper (Sec. 3, Fig. 3c: "the separation border is
 *   computed using morphological operations"): an object pixel with an 8-neighbour of a
 *   different object becomes background in both maps, leaving a 2-pixel gap that the
 *   weight map (Eq. 2) emphasises. `separateTouching: false` keeps the ids untouched.
 * For binary and multiclass images the instances are the connected components of each
 * non-background class, with 4-connectivity by default: two cells that touch only at a
 * pixel corner (a one-pixel diagonal membrane between them) stay separate objects.
 *
 * @example
 * declare const mask: Image; // 0 = background, anything else = foreground
 * const { classes, instances } = labelsFromImage({ kind: 'binary' })(mask);
 */
import { DataError, shortName } from './errors.js';
import type { Image } from './image.js';

export interface LabelMap {
  readonly width: number;
  readonly height: number;
  /** height × width integer labels, row-major. */
  readonly data: Int32Array;
}

/** Class map, instance map and the number of classes of one label image. */
export interface Labels {
  /** Class index per pixel, 0…numClasses−1 (0 = background). */
  readonly classes: LabelMap;
  /** Object id per pixel, 0 = no object. Ids are positive but need not be contiguous. */
  readonly instances: LabelMap;
  readonly numClasses: number;
}

export type LabelKind = 'binary' | 'multiclass' | 'instances';
export type Connectivity = 4 | 8;

export interface LabelOptions {
  readonly kind: LabelKind;
  /** Number of classes for 'multiclass' (default 2); binary and instances have 2. */
  readonly numClasses?: number;
  /** Neighbourhood for connected components (default 4). */
  readonly connectivity?: Connectivity;
  /** Instances: turn contact pixels between different objects into background (default true). */
  readonly separateTouching?: boolean;
  /** The label file, named in error messages. */
  readonly file?: string;
}

/**
 * A label map over existing data (no copy). Throws if the length is not width × height.
 *
 * @example
 * labelMap(2, 1, Int32Array.of(0, 1));
 */
export const labelMap = (width: number, height: number, data: Int32Array): LabelMap => {
  if (data.length !== width * height) throw new Error(`labelMap: ${data.length} values for ${width}×${height}`);
  return { width, height, data };
};

/**
 * Connected components of the non-zero pixels: pixels with the same non-zero value that
 * touch (4-connectivity: edge neighbours; 8: edge and corner neighbours) get one id.
 * Ids are 1…N in raster order of each component's first pixel; 0 stays 0.
 *
 * @example
 * connectedComponents(4)(labelMap(3, 1, Int32Array.of(1, 0, 1))).data; // [1, 0, 2]
 */
export const connectedComponents =
  (connectivity: Connectivity = 4) =>
  (m: LabelMap): LabelMap => {
    const { width: w, height: h, data: src } = m;
    const out = new Int32Array(w * h);
    const stack = new Int32Array(w * h);
    const dx = connectivity === 8 ? [1, -1, 0, 0, 1, 1, -1, -1] : [1, -1, 0, 0];
    const dy = connectivity === 8 ? [0, 0, 1, -1, 1, -1, 1, -1] : [0, 0, 1, -1];
    let next = 0;
    for (let start = 0; start < w * h; start++) {
      const v = src[start]!;
      if (v === 0 || out[start] !== 0) continue;
      const id = ++next;
      let top = 0;
      stack[top++] = start;
      out[start] = id;
      while (top > 0) {
        const p = stack[--top]!;
        const x = p % w;
        const y = (p - x) / w;
        for (let k = 0; k < dx.length; k++) {
          const nx = x + dx[k]!;
          const ny = y + dy[k]!;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          const q = ny * w + nx;
          if (out[q] === 0 && src[q] === v) {
            out[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    return labelMap(w, h, out);
  };

/**
 * Separation borders between touching objects: every object pixel that has an
 * 8-neighbour belonging to a different object is set to 0 (background). Objects that
 * do not touch are unchanged.
 *
 * @example
 * separateTouching(labelMap(4, 1, Int32Array.of(1, 1, 2, 2))).data; // [1, 0, 0, 2]
 */
export const separateTouching = (m: LabelMap): LabelMap => {
  const { width: w, height: h, data: src } = m;
  const out = Int32Array.from(src);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = src[y * w + x]!;
      if (v === 0) continue;
      let border = false;
      for (let dy = -1; dy <= 1 && !border; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w) continue;
          const u = src[ny * w + nx]!;
          if (u !== 0 && u !== v) {
            border = true;
            break;
          }
        }
      }
      if (border) out[y * w + x] = 0;
    }
  }
  return labelMap(w, h, out);
};

/** The single channel of a label image as integers, or a DataError. */
const integerValues = (img: Image, file: string): Int32Array => {
  const n = img.width * img.height;
  const d = img.data;
  if (img.channels !== 1) {
    for (let c = 1; c < img.channels; c++) {
      for (let i = 0; i < n; i++) {
        if (d[c * n + i] !== d[i]) {
          throw new DataError(`${shortName(file)}: colour label image (${img.channels} channels that differ at pixel ${i % img.width},${Math.floor(i / img.width)}); expected a grey or palette-index label image`, file);
        }
      }
    }
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = d[i]!;
    if (!Number.isInteger(v) || v < 0) {
      throw new DataError(`${shortName(file)}: label value ${v} at pixel ${i % img.width},${Math.floor(i / img.width)}; expected non-negative integers`, file);
    }
    out[i] = v;
  }
  return out;
};

const distinct = (v: Int32Array): number[] => [...new Set(v)].sort((a, b) => a - b);

const mapValues = (v: Int32Array, f: (x: number) => number): Int32Array => {
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]!);
  return out;
};

/** At most `max` values for a message: "0, 3, 9, 200" or "0, 1, 2, …, 4095 (4096 values)". */
const showValues = (values: readonly number[], max = 6): string =>
  values.length <= max ? values.join(', ') : `${values.slice(0, max - 1).join(', ')}, …, ${values[values.length - 1]} (${values.length} values)`;

const binaryClasses = (v: Int32Array, file: string): Int32Array => {
  const values = distinct(v);
  if (values.length > 2) {
    const hint = values[0] === 0 ? 'object ids 1…N need instance labels (--instances)' : 'a class map needs a model with that many classes';
    throw new DataError(`${shortName(file)}: ${values.length} distinct values (${showValues(values)}) in a binary mask; expected at most two (background = the lower, e.g. 0/255); ${hint}`, file);
  }
  const [lo, hi] = [values[0] ?? 0, values[values.length - 1] ?? 0];
  // two values: low → 0, high → 1; one value: all background if it is 0, else all foreground
  const foreground = values.length === 2 ? hi : lo === 0 ? 1 : lo;
  return mapValues(v, (x) => (x >= foreground && x !== 0 ? 1 : 0));
};

const multiClasses = (v: Int32Array, k: number, file: string): Int32Array => {
  const values = distinct(v);
  if ((values[values.length - 1] ?? 0) < k) return Int32Array.from(v);
  if (values.length > k) {
    const shown = values.length > 8 ? `${values.slice(0, 8).join(', ')}, …` : values.join(', ');
    throw new DataError(`${shortName(file)}: ${values.length} classes (values ${shown}); more than the configured numClasses ${k}`, file);
  }
  const index = new Map(values.map((x, i) => [x, i] as const));
  return mapValues(v, (x) => index.get(x) ?? 0);
};

/**
 * Class and instance maps of a label image (see the module comment for the three kinds).
 * Throws a DataError naming the file for colour images, negative or fractional values, a
 * non-binary mask, or more classes than `numClasses`.
 *
 * @example
 * import { readImageFile } from './image-file.js';
 * labelsFromImage({ kind: 'instances' })(readImageFile('instances/x.png').image);
 */
export const labelsFromImage =
  (opts: LabelOptions) =>
  (img: Image): Labels => {
    const file = opts.file ?? '<labels>';
    const v = integerValues(img, file);
    const { width: w, height: h } = img;
    if (opts.kind === 'instances') {
      const ids = opts.separateTouching === false ? v : separateTouching(labelMap(w, h, v)).data;
      return { classes: labelMap(w, h, mapValues(ids, (x) => (x > 0 ? 1 : 0))), instances: labelMap(w, h, ids), numClasses: 2 };
    }
    const k = opts.kind === 'binary' ? 2 : opts.numClasses ?? 2;
    if (!Number.isInteger(k) || k < 2) throw new DataError(`numClasses ${k}; expected an integer ≥ 2`, opts.file);
    const classes = labelMap(w, h, opts.kind === 'binary' ? binaryClasses(v, file) : multiClasses(v, k, file));
    return { classes, instances: connectedComponents(opts.connectivity ?? 4)(classes), numClasses: k };
  };

/**
 * Number of objects (distinct non-zero ids) of an instance map.
 *
 * @example
 * countInstances(labelMap(4, 1, Int32Array.of(3, 0, 7, 7))); // 2
 */
export const countInstances = (m: LabelMap): number => {
  const s = new Set(m.data);
  s.delete(0);
  return s.size;
};
