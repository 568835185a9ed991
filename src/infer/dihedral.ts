/**
 * The 8 symmetries of the square (the dihedral group D4: identity, 3 rotations, 4 flips)
 * as index maps, for test-time augmentation. The paper averages the predictions of
 * rotated versions of the input for the EM challenge (Sec. 4: "averaging over 7 rotated
 * versions of the input data"); unet-ts averages over all 8.
 *
 * A transform g is three bits: transpose, flip rows, flip columns. The transformed image
 * has size H' × W' (swapped when transposed); its pixel (Y, X) is the source pixel
 *   a = flipY ? H'−1−Y : Y,  b = flipX ? W'−1−X : X,  (r, c) = transpose ? (b, a) : (a, b).
 * The same map takes a prediction made on the transformed image back to the source
 * (undoing g), so it is given as two per-axis tables whose sum is the source's flat index.
 *
 * @example
 * import { DIHEDRAL, transformImage } from './dihedral.js';
 * transformImage(DIHEDRAL[1]!)(img); // img flipped left–right
 */
import { image, type Image } from '../data/image.js';

export interface Dihedral {
  readonly transpose: boolean;
  readonly flipY: boolean;
  readonly flipX: boolean;
}

/** All 8 transforms; the identity first. */
export const DIHEDRAL: readonly Dihedral[] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => ({
  transpose: (k & 4) !== 0,
  flipY: (k & 2) !== 0,
  flipX: (k & 1) !== 0,
}));

export const IDENTITY: Dihedral = { transpose: false, flipY: false, flipX: false };

/**
 * Height and width of the transformed image.
 *
 * @example
 * frameSize(DIHEDRAL[4]!, 3, 5); // { height: 5, width: 3 }: DIHEDRAL[4] transposes
 */
export const frameSize = (g: Dihedral, height: number, width: number): { readonly height: number; readonly width: number } =>
  g.transpose ? { height: width, width: height } : { height, width };

/**
 * Per-axis tables of g for a source image height × width: the flat source index of
 * transformed pixel (Y, X) is `rows[Y] + cols[X]` (channel plane offset not included).
 *
 * @example
 * sourceTables(IDENTITY, 2, 3); // { rows: [0, 3], cols: [0, 1, 2] }
 */
export const sourceTables = (g: Dihedral, height: number, width: number): { readonly rows: Int32Array; readonly cols: Int32Array } => {
  const f = frameSize(g, height, width);
  const a = (y: number): number => (g.flipY ? f.height - 1 - y : y);
  const b = (x: number): number => (g.flipX ? f.width - 1 - x : x);
  return {
    rows: Int32Array.from({ length: f.height }, (_, y) => (g.transpose ? a(y) : a(y) * width)),
    cols: Int32Array.from({ length: f.width }, (_, x) => (g.transpose ? b(x) * width : b(x))),
  };
};

/**
 * The transformed image (a new image; the input is not changed).
 *
 * @example
 * transformImage({ transpose: false, flipY: false, flipX: true })(image(3, 1, 1, Float32Array.of(1, 2, 3))).data; // [3, 2, 1]
 */
export const transformImage = (g: Dihedral) => (img: Image): Image => {
  const f = frameSize(g, img.height, img.width);
  const { rows, cols } = sourceTables(g, img.height, img.width);
  const plane = img.width * img.height;
  const out = new Float32Array(img.data.length);
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < f.height; y++) {
      for (let x = 0; x < f.width; x++) out[c * plane + y * f.width + x] = img.data[c * plane + rows[y]! + cols[x]!]!;
    }
  }
  return image(f.width, f.height, img.channels, out);
};
