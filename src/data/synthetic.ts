/**
 * Seeded synthetic microscopy: fluorescence-like cells with instance labels, for tests,
 * demos and training without downloads.
 *
 * Model of one image (all draws from `rng(seed)`, so a seed fixes the image bit for bit):
 * - background: a smooth random field (a coarse grid upsampled bicubically) plus dim,
 *   unlabelled debris blobs as bright as the dimmest cells;
 * - cells: perturbed ellipses r(θ) = r_ellipse(θ)·(1 + Σ_{h=2..4} A_h cos(hθ + ψ_h)) of
 *   varied size, aspect, orientation and brightness, with a brighter centre and internal
 *   texture; a share of them is placed against an earlier cell so that they touch or
 *   overlap. Overlaps are resolved per pixel to the cell the pixel lies deepest in (least
 *   ρ/r(θ)), fragments are dropped, so every pixel belongs to at most one instance;
 * - optics and sensor: Gaussian blur, Poisson (shot) noise at `photons` per unit
 *   intensity, Gaussian read noise, clipped to [0, 1].
 * Touching cells meet with only a slight intensity dip, and dim cells overlap the debris
 * and background in intensity: a threshold finds most foreground but cannot split touching
 * cells, which is what the U-Net and its border weights (Eq. 2) are for.
 *
 * @example
 * import { synthetic } from './synthetic.js';
 * const { image, instances } = synthetic()(7); // 256×256, values in [0, 1]
 */
import { rng, type Rng } from '../tensor/random.js';
import { image, type Image } from './image.js';
import { upsampleCubic } from './interpolate.js';
import { connectedComponents, labelMap, type LabelMap } from './labels.js';
import { mirrorIndex } from './mirror.js';

export interface SyntheticOptions {
  readonly width?: number;
  readonly height?: number;
  /** Number of cells drawn (default: one per 1800 px², 36 at 256×256). */
  readonly cells?: number;
  /** Cell radius range in px (default [7, 16]). */
  readonly radius?: readonly [number, number];
  /** Share of cells placed against an earlier cell (default 0.4). */
  readonly touching?: number;
  /** Gaussian blur σ in px (default 1.2). */
  readonly blur?: number;
  /** Photons per unit intensity for shot noise (default 150). */
  readonly photons?: number;
  /** Gaussian read-noise std (default 0.02). */
  readonly readNoise?: number;
}

export interface SyntheticSample {
  readonly image: Image;
  readonly instances: LabelMap;
}

interface Cell {
  readonly cx: number;
  readonly cy: number;
  readonly a: number;
  readonly b: number;
  readonly phi: number;
  readonly harmonics: readonly (readonly [number, number])[];
  readonly brightness: number;
}

/** Radius of a cell along the image-frame direction θ. */
const radiusAt = (c: Cell, theta: number): number => {
  const t = theta - c.phi;
  const ct = Math.cos(t);
  const st = Math.sin(t);
  let pert = 1;
  for (let i = 0; i < c.harmonics.length; i++) {
    const [amp, psi] = c.harmonics[i]!;
    pert += amp * Math.cos((i + 2) * t + psi);
  }
  return ((c.a * c.b) / Math.sqrt((c.b * ct) ** 2 + (c.a * st) ** 2)) * pert;
};

const drawCell = (r: Rng, rMin: number, rMax: number, cx: number, cy: number, brightness: number): Cell => {
  const a = rMin + (rMax - rMin) * r.uniform();
  return {
    cx,
    cy,
    a,
    b: a * (0.6 + 0.4 * r.uniform()),
    phi: Math.PI * r.uniform(),
    harmonics: [2, 3, 4].map((h) => [(0.12 / h) * r.uniform(), 2 * Math.PI * r.uniform()] as const),
    brightness,
  };
};

/** A smooth random field: a g×g grid of values in [lo, hi] upsampled bicubically. */
const smoothField = (r: Rng, w: number, h: number, g: number, lo: number, hi: number): Float32Array =>
  upsampleCubic(Float64Array.from({ length: g * g }, () => lo + (hi - lo) * r.uniform()), g, g, w, h);

/** 1-D Gaussian convolution of `n` values read at src[off + i·step], mirror boundaries. */
const convolve = (src: Float32Array, dst: Float32Array, off: number, step: number, n: number, k: Float64Array, pad: Float64Array): void => {
  const rad = (k.length - 1) / 2;
  for (let i = -rad; i < n + rad; i++) pad[i + rad] = src[off + mirrorIndex(n, i) * step]!;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k.length; j++) s += k[j]! * pad[i + j]!;
    dst[off + i * step] = s;
  }
};

/** Separable Gaussian blur with mirror boundaries. */
const blur = (src: Float32Array, w: number, h: number, sigma: number): Float32Array => {
  if (sigma <= 0) return src;
  const rad = Math.ceil(3 * sigma);
  const k = Float64Array.from({ length: 2 * rad + 1 }, (_, i) => Math.exp(-((i - rad) ** 2) / (2 * sigma * sigma)));
  const norm = k.reduce((a, b) => a + b, 0);
  const kn = k.map((v) => v / norm);
  const pad = new Float64Array(Math.max(w, h) + 2 * rad);
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) convolve(src, tmp, y * w, 1, w, kn, pad);
  for (let x = 0; x < w; x++) convolve(tmp, out, x, w, h, kn, pad);
  return out;
};

/** Poisson(λ) draw: Knuth's product method for small λ, a rounded normal for large. */
const poisson = (r: Rng, lambda: number): number => {
  if (lambda <= 0) return 0;
  // Above λ ≈ 12 the rounded normal N(λ, λ) is close enough for synthetic images.
  if (lambda > 12) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * r.normal()));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = r.uniform();
  while (p > limit) {
    k++;
    p *= r.uniform();
  }
  return k;
};

/**
 * One synthetic image with its instance labels (0 = background, 1…N = cells), fixed by
 * `seed`.
 *
 * @example
 * const a = synthetic({ width: 128, height: 128 })(3);
 * const b = synthetic({ width: 128, height: 128 })(3); // identical to a
 */
export const synthetic = (opts: SyntheticOptions = {}) => (seed: number): SyntheticSample => {
  const w = opts.width ?? 256;
  const h = opts.height ?? 256;
  const [rMin, rMax] = opts.radius ?? [7, 16];
  const r = rng(seed);
  const n = w * h;
  const background = smoothField(r.split(1), w, h, 6, 0.04, 0.2);
  const texture = smoothField(r.split(2), w, h, 24, 0.85, 1.15);
  // Cells: free or against an earlier cell (touching or overlapping by up to 15 %).
  const cr = r.split(3);
  const cells: Cell[] = [];
  const count = opts.cells ?? Math.round(n / 1800);
  for (let k = 0; k < count; k++) {
    const bright = 0.3 + 0.6 * cr.uniform();
    const anchor = cells.length > 0 && cr.uniform() < (opts.touching ?? 0.4) ? cells[cr.int(cells.length)] : undefined;
    if (anchor === undefined) {
      cells.push(drawCell(cr, rMin, rMax, w * cr.uniform(), h * cr.uniform(), bright));
      continue;
    }
    const proto = drawCell(cr, rMin, rMax, 0, 0, bright);
    const alpha = 2 * Math.PI * cr.uniform();
    const dist = (radiusAt(anchor, alpha) + radiusAt(proto, alpha + Math.PI)) * (0.85 + 0.15 * cr.uniform());
    cells.push({ ...proto, cx: anchor.cx + dist * Math.cos(alpha), cy: anchor.cy + dist * Math.sin(alpha) });
  }
  // Ownership: each pixel to the cell it lies deepest in (least s = ρ / r(θ) < 1).
  const depth = new Float32Array(n).fill(Infinity);
  const owner = new Int32Array(n);
  cells.forEach((c, k) => {
    const reach = Math.ceil(Math.max(c.a, c.b) * 1.4);
    for (let y = Math.max(0, Math.floor(c.cy - reach)); y <= Math.min(h - 1, Math.ceil(c.cy + reach)); y++) {
      for (let x = Math.max(0, Math.floor(c.cx - reach)); x <= Math.min(w - 1, Math.ceil(c.cx + reach)); x++) {
        const dx = x - c.cx;
        const dy = y - c.cy;
        const s = Math.sqrt(dx * dx + dy * dy) / radiusAt(c, Math.atan2(dy, dx));
        const i = y * w + x;
        if (s < 1 && s < depth[i]!) {
          depth[i] = s;
          owner[i] = k + 1;
        }
      }
    }
  });
  // Keep each cell's largest connected piece; renumber 1…N in drawing order.
  const pieces = connectedComponents(4)(labelMap(w, h, owner)).data;
  const pieceSize = new Map<number, number>();
  for (const p of pieces) if (p !== 0) pieceSize.set(p, (pieceSize.get(p) ?? 0) + 1);
  const best = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const o = owner[i]!;
    const p = pieces[i]!;
    if (o === 0) continue;
    const cur = best.get(o);
    if (cur === undefined || pieceSize.get(p)! > pieceSize.get(cur)!) best.set(o, p);
  }
  const ids = new Map<number, number>();
  for (const o of [...best.keys()].sort((a, b) => a - b)) if (pieceSize.get(best.get(o)!)! >= 12) ids.set(o, ids.size + 1);
  const instances = new Int32Array(n);
  const raw = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const o = owner[i]!;
    const keep = o !== 0 && best.get(o) === pieces[i] && ids.has(o);
    instances[i] = keep ? ids.get(o)! : 0;
    const s = depth[i]!;
    // Brighter centre, dimmer rim (a nucleus is thickest in its middle): touching cells meet
    // in a visible dip, the cue a U-Net needs to separate them.
    const cell = keep ? cells[o - 1]!.brightness * (0.55 + 0.45 * (1 - s * s)) * texture[i]! : 0;
    raw[i] = background[i]! + cell;
  }
  // Unlabelled debris: small dim blobs, as bright as the dimmest cells.
  const dr = r.split(4);
  const debris = Math.round(n / 8000);
  for (let k = 0; k < debris; k++) {
    const c = drawCell(dr, 2, 5, w * dr.uniform(), h * dr.uniform(), 0.15 + 0.2 * dr.uniform());
    for (let y = Math.max(0, Math.floor(c.cy - 8)); y <= Math.min(h - 1, Math.ceil(c.cy + 8)); y++) {
      for (let x = Math.max(0, Math.floor(c.cx - 8)); x <= Math.min(w - 1, Math.ceil(c.cx + 8)); x++) {
        const dx = x - c.cx;
        const dy = y - c.cy;
        if (Math.sqrt(dx * dx + dy * dy) < radiusAt(c, Math.atan2(dy, dx)) && instances[y * w + x] === 0) raw[y * w + x]! += c.brightness;
      }
    }
  }
  const blurred = blur(raw, w, h, opts.blur ?? 1.2);
  const nr = r.split(5);
  const photons = opts.photons ?? 150;
  const sigmaRead = opts.readNoise ?? 0.02;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = poisson(nr, blurred[i]! * photons) / photons + sigmaRead * nr.normal();
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return { image: image(w, h, 1, out), instances: labelMap(w, h, instances) };
};
