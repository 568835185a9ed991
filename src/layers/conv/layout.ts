/**
 * Host-side data movement shared by the convolution kernels (conv2d, upConv2).
 *
 * The kernels use "channels as lanes": the fastest thread axis x is the output channel, so
 * webasm's 4 SIMD lanes (4 consecutive thread.x, notes) compute 4 output channels of the
 * same 4 pixels. Every input-image read is then uniform across the lanes (one scalar load),
 * and only the weight read differs per lane. The channel count is padded to a multiple of
 * 4 (`lanes`) so every row of threads vectorizes; the padded channels are dropped here.
 *
 * A kernel thread returns 4 consecutive output columns (vec4), so a result row holds
 * [quad q][channel c][4 columns] and `fromQuads` reorders it into dense NCHW.
 *
 * Cost note (measured, Nov 2026): gpu.js shapes an Array(4) result into one object per
 * thread before runtime.ts flattens it (webasm: a subarray per thread; cpu: a Float32Array
 * per thread). For a 64×570×570 output that is 5.2 M objects, ~3 s on webasm and ~7 s on cpu,
 * more than the 1→64 conv itself (0.35 s). The webasm kernel's flat buffer is already in
 * the right order, so runtime.ts can skip that step (return the flat data from the kernel's
 * `_shapeOutput`); these layers need no change for that.
 */

/** Channel count rounded up to a multiple of the 4 SIMD lanes. */
export const lanes = (c: number): number => Math.ceil(c / 4) * 4;

/**
 * Stacks the images of a batch per channel: src [n, c, h, w] becomes c stacks of n·hs + extra
 * rows of width ws (a kernel argument [ws, n·hs + extra, c]), with source pixel (y, x) of
 * image i at stack row i·hs + y + top, column x + left; everything else is zero (the conv's
 * zero padding; negative offsets crop); `stacks` ≥ c adds all-zero channels. With images stacked along y, a kernel can find an
 * image row as (thread row + tap row) with no division by the image height; the few output
 * rows that straddle two images are computed and dropped.
 */
export const stackPlanes = (
  src: Float32Array,
  [n, c, h, w]: readonly [number, number, number, number],
  hs: number,
  ws: number,
  top: number,
  left: number,
  extra = 0,
  stacks = c,
): Float32Array => {
  if (n === 1 && extra === 0 && stacks === c && top === 0 && left === 0 && hs === h && ws === w) return src;
  const rows = n * hs + extra;
  const dst = new Float32Array(stacks * rows * ws);
  // Source rows/columns that land inside each image's hs×ws slot.
  const y0 = Math.max(0, -top);
  const y1 = Math.min(h, hs - top);
  const x0 = Math.max(0, -left);
  const x1 = Math.min(w, ws - left);
  if (y1 <= y0 || x1 <= x0) return dst;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      const sp = (ni * c + ci) * h * w;
      const dp = ci * rows * ws + ni * hs * ws;
      for (let y = y0; y < y1; y++) {
        const s = sp + y * w;
        dst.set(src.subarray(s + x0, s + x1), dp + (y + top) * ws + x0 + left);
      }
    }
  }
  return dst;
};

/**
 * Copies `planes` planes of H×W into zero planes of Hp×Wp with the source pixel (y, x) at
 * (y + top, x + left). Negative offsets crop. The result is a kernel argument [Wp, Hp, planes].
 */
export const padPlanes = (
  src: Float32Array,
  planes: number,
  h: number,
  w: number,
  hp: number,
  wp: number,
  top: number,
  left: number,
): Float32Array => stackPlanes(src, [1, planes, h, w], hp, wp, top, left);

/**
 * Reorders a channels-as-lanes result into dense NCHW [n, c, y, x]. The kernel ran with
 * output [cp, q, rows] and 4 values per thread, image n's row y being result row
 * n·stride + y, so value (n, c, y, 4·qi + j) sits at r[(((n·stride + y)·q + qi)·cp + c)·4 + j].
 * Padded channels (c ≥ C), padded columns (x ≥ wo, the last quad's extra lanes) and rows
 * between images are dropped.
 */
export const fromQuads = (r: Float32Array, n: number, c: number, cp: number, ho: number, wo: number, stride = ho): Float32Array => {
  const q = Math.ceil(wo / 4);
  const rows = r.length / (q * cp * 4);
  if (!Number.isInteger(rows) || rows < (n - 1) * stride + ho) throw new Error(`fromQuads: ${r.length} values do not hold ${n} images of ${ho} rows (stride ${stride})`);
  const out = new Float32Array(n * c * ho * wo);
  const full = wo >> 2;
  const tail = wo - 4 * full;
  for (let ni = 0; ni < n; ni++) {
    for (let y = 0; y < ho; y++) {
      const rowBase = (ni * stride + y) * q * cp * 4;
      for (let ch = 0; ch < c; ch++) {
        let d = ((ni * c + ch) * ho + y) * wo;
        let s = rowBase + ch * 4;
        for (let qi = 0; qi < full; qi++, s += cp * 4, d += 4) {
          out[d] = r[s]!;
          out[d + 1] = r[s + 1]!;
          out[d + 2] = r[s + 2]!;
          out[d + 3] = r[s + 3]!;
        }
        for (let j = 0; j < tail; j++) out[d + j] = r[s + j]!;
      }
    }
  }
  return out;
};

/** Pads a per-channel vector (a bias) with zeros to `cp` values. */
export const padVector = (v: Float32Array, cp: number): Float32Array => {
  if (v.length === cp) return v;
  const out = new Float32Array(cp);
  out.set(v.subarray(0, Math.min(v.length, cp)));
  return out;
};
