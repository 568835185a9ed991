/**
 * NumPy's .npy format, version 1.0, for little-endian float32 arrays in C order: the test
 * tensors of a bioimage.io package. The file is the magic `\x93NUMPY`, the version (1, 0), a
 * little-endian uint16 header length, and a Python dict literal header padded with spaces and
 * ending in a newline so that the data starts at a multiple of 64 bytes (what numpy itself
 * writes), then the values. `readNpy` reads exactly this subset back, with errors that say
 * what differs.
 */

const MAGIC = [0x93, ...Array.from('NUMPY', (c) => c.charCodeAt(0))];
const PREAMBLE = MAGIC.length + 2 + 2; // magic, version, header length

/** A float32 array with its shape, as stored in a .npy file. */
export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * The bytes of a .npy file holding `data` (float32, C order) with shape `shape`.
 *
 * @example
 * import { encodeNpy } from 'unet-ts';
 * const bytes = encodeNpy([1, 1, 2, 2], Float32Array.of(0, 1, 2, 3)); // np.load gives a (1, 1, 2, 2) float32 array
 */
export const encodeNpy = (shape: readonly number[], data: Float32Array): Uint8Array => {
  const count = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values, got ${data.length} (expected non-negative integer dimensions matching the data)`);
  }
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = Math.ceil((PREAMBLE + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - PREAMBLE - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1; // major version
  out[7] = 0; // minor version
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[PREAMBLE + i] = header.charCodeAt(i);
  for (let i = 0; i < data.length; i++) view.setFloat32(total + i * 4, data[i]!, true);
  return out;
};

/**
 * A float32 C-order array from .npy bytes (version 1.0 or 2.0, `<f4`); `name` is used in
 * errors.
 *
 * @example
 * import { encodeNpy, readNpy } from 'unet-ts';
 * readNpy(encodeNpy([2], Float32Array.of(1, 2))).shape; // [2]
 */
export const readNpy = (bytes: Uint8Array, name = '<npy>'): NpyArray => {
  const fail = (why: string): never => {
    throw new Error(`${name}: not a float32 .npy file this reader handles: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('no \\x93NUMPY magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const [lenSize, headerLen] = major === 1 ? [2, view.getUint16(8, true)] : major === 2 ? [4, view.getUint32(8, true)] : fail(`version ${major}.${bytes[7]}`);
  const start = 8 + lenSize + headerLen;
  if (start > bytes.length) fail(`header of ${headerLen} bytes runs past the end (${bytes.length} bytes)`);
  const header = String.fromCharCode(...bytes.subarray(8 + lenSize, start));
  if (!/'descr':\s*'<f4'/.test(header)) fail(`dtype in header ${header.trim()} (expected '<f4')`);
  if (!/'fortran_order':\s*False/.test(header)) fail('Fortran order (expected C order)');
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail(`no shape in header ${header.trim()}`);
  const shape = dims.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * 4) fail(`shape (${shape.join(', ')}) needs ${count * 4} data bytes, the file has ${bytes.length - start}`);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + i * 4, true);
  return { shape, data };
};
