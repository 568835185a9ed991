/**
 * The safetensors checkpoint format (https://github.com/huggingface/safetensors), float32 only:
 *
 *   [8 bytes: N, little-endian u64] [N bytes: UTF-8 JSON header] [data section]
 *
 * The header maps each tensor name to `{ "dtype": "F32", "shape": [...], "data_offsets":
 * [begin, end] }` (byte offsets into the data section, end exclusive) and the optional key
 * `"__metadata__"` to a string → string map. Values are little-endian; the tensors must
 * cover the data section exactly, without gaps or overlaps. Shapes have any rank (a PyTorch
 * state_dict stores a conv bias as [C]), so files load in `safetensors.torch.load_file`.
 *
 * Written files: tensors in name order, header padded with spaces so the data starts at a
 * multiple of 8 (as the reference writer does). Reading validates everything and returns a
 * `CheckpointError` naming the file and the problem; decoded tensors own fresh buffers and
 * hold only finite values. The format has no checksum: a damaged byte that keeps the file
 * well formed and the value finite cannot be detected.
 *
 * @example
 * const bytes = encodeSafetensors({ 'conv.bias': { shape: [2], data: new Float32Array([1, 2]) } }, { epoch: '3' });
 * decodeSafetensors(bytes, 'model.safetensors'); // Right({ tensors: Map { 'conv.bias' => ... }, metadata: { epoch: '3' } })
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import * as t from 'io-ts';
import { CheckpointError } from './checkpoint-error.js';

/** A named tensor of a checkpoint: any rank, float32, row-major. */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Tensors by name, as a Map or a plain record. */
export type TensorTable = ReadonlyMap<string, NamedTensor> | Readonly<Record<string, NamedTensor>>;

/** A decoded file: tensors in data-section order, and the metadata ({} when absent). */
export interface Safetensors {
  readonly tensors: ReadonlyMap<string, NamedTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const METADATA = '__metadata__';

/** Whether this machine stores numbers little-endian (then float bytes copy straight). */
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

const showShape = (s: readonly number[]): string => `[${s.join(', ')}]`;

const isMap = (x: TensorTable): x is ReadonlyMap<string, NamedTensor> => x instanceof Map;

/**
 * The bytes of a safetensors file. Throws a CheckpointError (a programming error, not bad
 * input) when a tensor's data length is not the product of its shape, a dimension is not a
 * non-negative integer, or a tensor is named "__metadata__".
 *
 * @example
 * encodeSafetensors(new Map([['w', { shape: [1, 1, 3, 3], data: new Float32Array(9) }]]), {});
 */
export const encodeSafetensors = (tensors: TensorTable, metadata: Readonly<Record<string, string>> = {}): Uint8Array => {
  const fail = (detail: string): never => {
    throw new CheckpointError('encodeSafetensors', detail);
  };
  const named = (isMap(tensors) ? [...tensors] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fields: string[] = [];
  if (Object.keys(metadata).length > 0) fields.push(`${JSON.stringify(METADATA)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const [name, { shape, data }] of named) {
    if (name === METADATA) fail(`a tensor cannot be named ${METADATA}`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': shape ${showShape(shape)} is not non-negative integers`);
    if (product(shape) !== data.length) fail(`tensor '${name}': shape ${showShape(shape)} needs ${product(shape)} values, data has ${data.length}`);
    const info = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += data.byteLength;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8; // pad so the data starts 8-aligned
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // spaces: still valid JSON
  let at = 8 + headerLength;
  for (const [, { data }] of named) {
    if (littleEndian) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else data.forEach((v, i) => view.setFloat32(at + 4 * i, v, true));
    at += data.byteLength;
  }
  return out;
};

// ---- header codecs (io-ts) ----

interface NonNegativeIntBrand {
  readonly NonNegativeInt: unique symbol;
}
/** A JSON number that is a non-negative safe integer. */
const NonNegativeInt = t.brand(t.number, (n): n is t.Branded<number, NonNegativeIntBrand> => Number.isSafeInteger(n) && n >= 0, 'NonNegativeInt');

/** One tensor's header entry. Extra keys are allowed (and ignored), as in the reference reader. */
const TensorInfo = t.type({
  dtype: t.string,
  shape: t.array(NonNegativeInt),
  data_offsets: t.tuple([NonNegativeInt, NonNegativeInt]),
});

const Metadata = t.record(t.string, t.string);

/** The first io-ts error as "at shape.1: expected NonNegativeInt, got -3". */
const report = (errors: t.Errors): string => {
  const first = errors[0];
  if (first === undefined) return 'invalid';
  const path = first.context
    .slice(1)
    .map((c) => c.key)
    .join('.');
  const expected = first.context[first.context.length - 1]?.type.name ?? 'a valid value';
  return `${path === '' ? '' : `at ${path}: `}expected ${expected}, got ${JSON.stringify(first.value) ?? String(first.value)}`;
};

interface Entry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** The header JSON → checked entries and metadata, against a data section of `dataLength` bytes. */
const checkHeader = (header: unknown, dataLength: number): E.Either<string, { entries: Entry[]; metadata: Record<string, string> }> => {
  if (!t.UnknownRecord.is(header) || Array.isArray(header)) return E.left('header is not a JSON object');
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA) {
      const m = Metadata.decode(value);
      if (E.isLeft(m)) return E.left(`${METADATA} must map strings to strings: ${report(m.left)}`);
      metadata = m.right;
      continue;
    }
    const info = TensorInfo.decode(value);
    if (E.isLeft(info)) return E.left(`tensor '${name}': invalid header entry: ${report(info.left)}`);
    const { dtype, shape, data_offsets: [begin, end] } = info.right;
    if (dtype !== 'F32') return E.left(`tensor '${name}': unsupported dtype ${JSON.stringify(dtype)} (only F32 is supported)`);
    if (begin > end) return E.left(`tensor '${name}': data_offsets [${begin}, ${end}] are reversed (begin > end)`);
    if (end > dataLength) return E.left(`tensor '${name}': data_offsets [${begin}, ${end}] are out of range: the data section has ${dataLength} bytes`);
    if (end - begin !== product(shape) * 4) {
      return E.left(`tensor '${name}': data_offsets [${begin}, ${end}] hold ${end - begin} bytes, shape ${showShape(shape)} of F32 needs ${product(shape) * 4}`);
    }
    entries.push({ name, shape, begin, end });
  }
  // coverage: sorted by offset, each tensor must start where the previous one ended
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < cursor && previous !== undefined) {
      return E.left(`tensors '${previous.name}' [${previous.begin}, ${previous.end}) and '${e.name}' [${e.begin}, ${e.end}) overlap`);
    }
    if (e.begin > cursor) return E.left(`bytes [${cursor}, ${e.begin}) of the data section belong to no tensor (data must be contiguous)`);
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLength) return E.left(`bytes [${cursor}, ${dataLength}) of the data section belong to no tensor (data must be contiguous)`);
  return E.right({ entries, metadata });
};

/**
 * Float32 values from little-endian bytes, into a fresh buffer. The copy goes through the
 * ArrayBuffer: on a Node Buffer (a Uint8Array subclass) `.slice` is a view, not a copy, and its
 * `.buffer` would be the whole pool the file's bytes sit in.
 */
const floats = (bytes: Uint8Array, begin: number, end: number): Float32Array => {
  if (littleEndian) return new Float32Array(bytes.buffer.slice(bytes.byteOffset + begin, bytes.byteOffset + end));
  const view = new DataView(bytes.buffer, bytes.byteOffset + begin, end - begin);
  return Float32Array.from({ length: (end - begin) / 4 }, (_, i) => view.getFloat32(4 * i, true));
};

/**
 * Reads safetensors bytes; Left with a CheckpointError naming `fileName` and the problem:
 * truncated file, header length beyond the file, header not UTF-8 / JSON / an object,
 * malformed entries, a dtype other than F32, offsets reversed / out of range / not
 * shape × 4 bytes, overlapping tensors, bytes of the data section no tensor covers, or a
 * NaN / ±Infinity value (named with its tensor and index).
 *
 * @example
 * decodeSafetensors(new Uint8Array(3), 'x.safetensors');
 * // Left(CheckpointError "x.safetensors: file is truncated: 3 bytes, a safetensors file needs at least 8 (the header length)")
 */
export const decodeSafetensors = (bytes: Uint8Array, fileName: string): E.Either<CheckpointError, Safetensors> => {
  const fail = (detail: string) => new CheckpointError(fileName, detail);
  if (bytes.length < 8) return E.left(fail(`file is truncated: ${bytes.length} bytes, a safetensors file needs at least 8 (the header length)`));
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    return E.left(fail(`header length ${n} exceeds the ${bytes.length - 8} bytes after the length field (file truncated or not safetensors)`));
  }
  const headerEnd = 8 + Number(n);
  return pipe(
    E.tryCatch(
      () => new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)),
      () => fail('header is not valid UTF-8'),
    ),
    E.chain((text) => E.tryCatch(() => JSON.parse(text) as unknown, (e) => fail(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`))),
    E.chain((header) => pipe(checkHeader(header, bytes.length - headerEnd), E.mapLeft(fail))),
    E.chain(({ entries, metadata }) => {
      const tensors = new Map<string, NamedTensor>();
      for (const e of entries) {
        const data = floats(bytes, headerEnd + e.begin, headerEnd + e.end);
        // a NaN or ±Infinity weight (a diverged run, a damaged byte) makes every output NaN
        const i = data.findIndex((v) => !Number.isFinite(v));
        if (i >= 0) return E.left(fail(`tensor '${e.name}' (shape ${showShape(e.shape)}): value ${data[i]} at index ${i}; expected finite weights (a diverged training run or a damaged file)`));
        tensors.set(e.name, { shape: e.shape, data });
      }
      return E.right({ tensors, metadata });
    }),
  );
};
