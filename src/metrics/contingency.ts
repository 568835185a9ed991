/**
 * The contingency table (confusion matrix of two partitions) behind the Rand, information
 * and SEG scores.
 *
 * For a prediction S with segments i and a ground truth T with segments j over the same
 * n counted pixels: n_ij = |S_i ∩ T_j|, row sums s_i = |S_i| = Σ_j n_ij, column sums
 * t_j = |T_j| = Σ_i n_ij (Hubert & Arabie, J. Classification 1985). Dividing by n gives the
 * joint distribution p_ij and the marginals used by Arganda-Carreras et al. 2015.
 * Only non-zero cells are stored (a sparse table: pixels, not segment pairs, bound its
 * size), in typed arrays, since validation builds one table per image and threshold.
 *
 * @example
 * import { metrics } from 'unet-ts';
 * // S = 1 1 2,  T = 5 5 5: one column (5), two rows (1, 2), cells n_1,5 = 2, n_2,5 = 1
 * const c = metrics.contingency(3, (i) => [1, 1, 2][i], () => 5);
 * // c.rowSums = [2, 1], c.colSums = [3], c.cellRow = [0, 1], c.cellCol = [0, 0], c.cellCount = [2, 1]
 */

export interface Contingency {
  /** Pixels counted (Σ_ij n_ij). */
  readonly n: number;
  /** Label of each row (prediction segment); NaN for a singleton row. */
  readonly rowLabels: Float64Array;
  /** Label of each column (ground-truth segment). */
  readonly colLabels: Float64Array;
  /** s_i: pixels per row. */
  readonly rowSums: Float64Array;
  /** t_j: pixels per column. */
  readonly colSums: Float64Array;
  /** The non-zero cells k: n_ij = cellCount[k] with i = cellRow[k], j = cellCol[k]. */
  readonly cellRow: Int32Array;
  readonly cellCol: Int32Array;
  readonly cellCount: Float64Array;
}

/** What a pixel is on one side of the table: a label, its own one-pixel segment, or not counted. */
export type Assignment = number | 'singleton' | undefined;

/** A copy of `a` with twice the length. */
const grow = <A extends Float64Array | Int32Array>(a: A): A => {
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
};

/**
 * The table over pixels 0 … n−1. `rowOf(i)` is pixel i's prediction label and `colOf(i)`
 * its ground-truth label; a pixel with `undefined` on either side is not counted, and
 * `'singleton'` on the row side puts it in a segment of its own (how unassigned boundary
 * pixels are scored, see `rand.ts`).
 *
 * @example
 * contingency(4, (i) => (i < 2 ? 1 : 'singleton'), () => 7).rowSums; // Float64Array [2, 1, 1]
 */
export const contingency = (n: number, rowOf: (i: number) => Assignment, colOf: (i: number) => number | undefined): Contingency => {
  const rowIndex = new Map<number, number>();
  const colIndex = new Map<number, number>();
  const cellIndex = new Map<number, number>(); // key r·n + c (< n², exact for n < 9·10⁷)
  // growable typed arrays (doubling): rows, columns and cells are each at most one per pixel
  let rowLabels = new Float64Array(16);
  let rowSums = new Float64Array(16);
  let lastCol = new Int32Array(16); // the last cell of each row: runs of equal (row, column)
  let lastCell = new Int32Array(16); // pairs, the common case in raster order, skip the map
  let colLabels = new Float64Array(16);
  let colSums = new Float64Array(16);
  let cellRow = new Int32Array(16);
  let cellCol = new Int32Array(16);
  let cellCount = new Float64Array(16);
  let rows = 0;
  let cols = 0;
  let cells = 0;
  let total = 0;
  const newRow = (label: number, size: number): number => {
    if (rows === rowSums.length) {
      [rowLabels, rowSums] = [grow(rowLabels), grow(rowSums)];
      [lastCol, lastCell] = [grow(lastCol), grow(lastCell)];
    }
    rowLabels[rows] = label;
    rowSums[rows] = size;
    lastCol[rows] = -1;
    return rows++;
  };
  const newCell = (r: number, c: number): number => {
    if (cells === cellCount.length) [cellRow, cellCol, cellCount] = [grow(cellRow), grow(cellCol), grow(cellCount)];
    cellRow[cells] = r;
    cellCol[cells] = c;
    return cells++;
  };
  for (let i = 0; i < n; i++) {
    const a = rowOf(i);
    const b = colOf(i);
    if (a === undefined || b === undefined) continue;
    let c = colIndex.get(b);
    if (c === undefined) {
      if (cols === colSums.length) [colLabels, colSums] = [grow(colLabels), grow(colSums)];
      c = cols++;
      colIndex.set(b, c);
      colLabels[c] = b;
    }
    colSums[c]! += 1;
    total++;
    if (a === 'singleton') {
      // a row and a cell of their own: nothing to look up
      const k = newCell(newRow(NaN, 1), c); // (before indexing: newCell may replace cellCount)
      cellCount[k] = 1;
      continue;
    }
    let r = rowIndex.get(a);
    if (r === undefined) {
      r = newRow(a, 0);
      rowIndex.set(a, r);
    }
    rowSums[r]! += 1;
    let k: number | undefined = lastCol[r] === c ? lastCell[r]! : cellIndex.get(r * n + c);
    if (k === undefined) {
      k = newCell(r, c);
      cellIndex.set(r * n + c, k);
      cellCount[k] = 0;
    }
    cellCount[k]! += 1;
    lastCol[r] = c;
    lastCell[r] = k;
  }
  return {
    n: total,
    rowLabels: rowLabels.slice(0, rows),
    colLabels: colLabels.slice(0, cols),
    rowSums: rowSums.slice(0, rows),
    colSums: colSums.slice(0, cols),
    cellRow: cellRow.slice(0, cells),
    cellCol: cellCol.slice(0, cells),
    cellCount: cellCount.slice(0, cells),
  };
};
