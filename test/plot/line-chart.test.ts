import { describe, expect, it } from 'vitest';
import { chartLayout, decimate, extent, lineChart, PALETTE } from '../../src/plot/line-chart.js';
import { pixel, type Rgb } from '../../src/plot/raster.js';

const same = (a: Rgb | undefined, b: Rgb) => a !== undefined && a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

describe('lineChart', () => {
  const spec = {
    title: 'Loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      { name: 'constant', points: [[0, 0.5], [10, 0.5]] as [number, number][] },
      { name: 'rising', points: [[0, 0], [10, 1]] as [number, number][] },
    ],
  };

  it('draws a constant series as a horizontal line at its mapped row', () => {
    const chart = lineChart(spec);
    const L = chartLayout(spec);
    expect([chart.width, chart.height]).toEqual([800, 480]);
    const [, py] = L.toPixel(0, 0.5);
    const row = Math.floor(py);
    const blue = PALETTE[0]!;
    // across the left part of the plot area (the rising line crosses at x = 5)
    for (let x = Math.ceil(L.left) + 2; x < L.toPixel(4, 0)[0]; x++) {
      expect(same(pixel(chart, x, row), blue)).toBe(true);
      expect(same(pixel(chart, x, row - 6), blue)).toBe(false);
      expect(same(pixel(chart, x, row + 6), blue)).toBe(false);
    }
    // the data range maps onto the plot edges
    expect(L.toPixel(0, 0)).toEqual([L.left, L.bottom]);
    expect(L.toPixel(10, 1)).toEqual([L.right, L.top]);
  });

  it('marks a lone point (one validation) with a dot in its colour', () => {
    const one = { series: [{ name: 'iou', points: [[300, 0.7]] as [number, number][] }, spec.series[1]!] };
    const chart = lineChart(one);
    const [px, py] = chartLayout(one).toPixel(300, 0.7);
    expect(same(pixel(chart, Math.round(px), Math.round(py)), PALETTE[0]!)).toBe(true);
  });

  it('has a frame, a title and tick labels in black', () => {
    const chart = lineChart(spec);
    const L = chartLayout(spec);
    const dark = (x0: number, y0: number, x1: number, y1: number) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (same(pixel(chart, x, y), [0, 0, 0])) return true;
      return false;
    };
    expect(dark(0, 0, 800, Math.floor(L.top))).toBe(true); // title
    expect(dark(0, Math.floor(L.top), Math.floor(L.left) - 1, Math.floor(L.bottom))).toBe(true); // y tick labels
    expect(dark(Math.ceil(L.left), Math.ceil(L.bottom) + 2, 800, 480)).toBe(true); // x tick labels
    expect(dark(Math.ceil(L.left) + 2, Math.ceil(L.top) + 2, Math.floor(L.right) - 2, Math.floor(L.bottom) - 2)).toBe(true); // legend text
  });

  it('maps a log axis by decades and skips non-positive and non-finite points', () => {
    const log = { series: [{ name: 'l', points: [[0, 0.01], [1, -1], [2, NaN], [3, 1]] as [number, number][] }], logY: true };
    const L = chartLayout(log);
    const y = (v: number) => L.toPixel(0, v)[1];
    expect(y(0.1)).toBeCloseTo((y(0.01) + y(1)) / 2, 9);
    // the points at x = 1, 2 are skipped, so x = 0 and x = 3 are unconnected: nothing drawn in between
    const chart = lineChart(log);
    const blue = PALETTE[0]!;
    const [xa] = L.toPixel(1, 1);
    const [xb] = L.toPixel(2, 1);
    let bluePixels = 0;
    for (let x = Math.ceil(xa); x < xb; x++) for (let yy = Math.ceil(L.top); yy < L.bottom; yy++) if (same(pixel(chart, x, yy), blue)) bluePixels++;
    expect(bluePixels).toBe(0);
    // while a connected run is drawn: the same test between x = 0 and x = 1 of a full series finds it
    const full = { ...log, series: [{ name: 'l', points: [[0, 0.01], [3, 1]] as [number, number][] }] };
    const chartFull = lineChart(full);
    let drawn = 0;
    for (let x = Math.ceil(xa); x < xb; x++) for (let yy = Math.ceil(L.top); yy < L.bottom; yy++) if (same(pixel(chartFull, x, yy), blue)) drawn++;
    expect(drawn).toBeGreaterThan(0);
  });

  it('draws an empty chart without failing', () => {
    const chart = lineChart({ series: [], width: 200, height: 120 });
    expect([chart.width, chart.height]).toEqual([200, 120]);
  });
});

describe('long series', () => {
  it('plots 150 000 points (no argument-spreading stack overflow)', () => {
    const points = Array.from({ length: 150_000 }, (_, i) => [i, 1 / (1 + i)] as [number, number]);
    const chart = lineChart({ series: [{ name: 'loss per step', points }], logY: true, width: 400, height: 240 });
    expect(chart.width).toBe(400);
  });
});

describe('extent', () => {
  it('is [min, max], or [∞, −∞] when empty', () => {
    expect(extent([3, -1, 2])).toEqual([-1, 3]);
    expect(extent([])).toEqual([Infinity, -Infinity]);
  });
});

describe('decimate', () => {
  it('keeps first, lowest, highest and last of each pixel column, in order', () => {
    const pts: [number, number][] = [[0.1, 5], [0.2, 9], [0.3, 1], [0.35, 7], [0.4, 4], [1.5, 2]];
    expect(decimate(pts)).toEqual([[0.1, 5], [0.2, 9], [0.3, 1], [0.4, 4], [1.5, 2]]);
    expect(decimate([[2.5, 1]])).toEqual([[2.5, 1]]);
    expect(decimate([])).toEqual([]);
  });
});
