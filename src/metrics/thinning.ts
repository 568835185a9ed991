/**
 * Boundary thinning of an instance map, the "after border thinning" step of the ISBI 2012
 * Rand scoring (Arganda-Carreras et al., Front. Neuroanat. 2015).
 *
 * A thresholded membrane prediction has thick boundaries (label 0) between segments; the
 * ISBI/Fiji script skeletonises them to one pixel before scoring, so that boundary width
 * is not penalised. We do the equivalent with seeded region growing, which cannot merge or
 * create segments (a plain skeletonisation can, at its corner cases):
 *
 * - In parallel rounds, every boundary pixel whose 4-neighbours carry exactly one distinct
 *   non-zero label takes that label (a discrete Voronoi partition of the boundary among the
 *   segments, grown at one pixel per round, as a watershed on the distance transform).
 * - A boundary pixel that touches two or more different segments stays 0, for good.
 *
 * Afterwards a 0 pixel next to a segment touches ≥ 2 different segments (the boundary is at
 * most about one pixel wide); the other 0 pixels are unreachable: walled in by such pixels
 * (a single pixel between four diagonal segments) or in an image without segments.
 * Segments keep their labels; only 0 pixels change. O(pixels): each pixel enters the
 * frontier a bounded number of times.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // 1 0 0 0 2   →   1 1 0 2 2   (the 3-pixel boundary becomes 1 pixel)
 * metrics.thinBoundaries({ width: 5, height: 1, data: [1, 0, 0, 0, 2] }).data; // Int32Array [1, 1, 0, 2, 2]
 */
import type { Labels } from './labels.js';

/**
 * The instance map with its 0-boundaries thinned as described above (a new map; the input
 * is not modified).
 *
 * @example
 * thinBoundaries({ width: 4, height: 1, data: [1, 0, 0, 2] }).data; // Int32Array [1, 1, 2, 2]
 */
export const thinBoundaries = (instances: Labels): Labels & { readonly data: Int32Array } => {
  const { width, height } = instances;
  const n = width * height;
  const out = Int32Array.from(instances.data);
  const queued = new Uint8Array(n); // entered a frontier (each pixel does at most once)
  /** Calls f on the in-image 4-neighbours of pixel i. */
  const eachNeighbour = (i: number, f: (j: number) => void): void => {
    const x = i % width;
    if (x > 0) f(i - 1);
    if (x < width - 1) f(i + 1);
    if (i >= width) f(i - width);
    if (i + width < n) f(i + width);
  };
  // the first frontier: boundary pixels next to a segment
  let frontier = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (out[i] !== 0) continue;
    let touches = false;
    eachNeighbour(i, (j) => (touches ||= out[j] !== 0));
    if (touches) (frontier[size++] = i), (queued[i] = 1);
  }
  let next = new Int32Array(n);
  const label = new Int32Array(n); // this round's decision per frontier slot, 0 = stays boundary
  while (size > 0) {
    // decide every frontier pixel from the state at the start of the round (parallel update):
    // exactly one distinct non-zero neighbour label → take it; two or more → boundary for good
    for (let k = 0; k < size; k++) {
      let l = 0;
      let distinct = 0;
      eachNeighbour(frontier[k]!, (j) => {
        const m = out[j]!;
        if (m !== 0 && m !== l) (distinct += 1), (l = m);
      });
      label[k] = distinct === 1 ? l : 0;
    }
    for (let k = 0; k < size; k++) if (label[k] !== 0) out[frontier[k]!] = label[k]!;
    // the next frontier: unvisited boundary neighbours of the pixels just assigned
    let nextSize = 0;
    for (let k = 0; k < size; k++) {
      if (label[k] === 0) continue;
      eachNeighbour(frontier[k]!, (j) => {
        if (out[j] === 0 && queued[j] === 0) (queued[j] = 1), (next[nextSize++] = j);
      });
    }
    [frontier, next] = [next, frontier];
    size = nextSize;
  }
  return { width, height, data: out };
};
