/**
 * Plots rendered by unet-ts itself (no canvas library): RGB rasters with a bitmap font, line
 * charts for training curves, viridis heat maps, segmentation overlays. PNG files of them
 * are written by the one codec, `encodeRgbPng` of src/data/png.ts.
 *
 * @example
 * // from a module elsewhere in src/ (plot is not exported by 'unet-ts'):
 * import { lineChart } from '../plot/index.js';
 * import { encodeRgbPng } from '../data/png.js';
 * encodeRgbPng(lineChart({ title: 'loss', series: [], xLabel: 'step', yLabel: 'loss' }));
 */
export { ADVANCE, CAP_HEIGHT, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';
export { BLACK, WHITE, capHeight, draw, paste, pixel, raster, rasterOf, textHeight, textWidth, upscale, type Mark, type Raster, type Rgb } from './raster.js';
export { formatTick, linearTicks, logTicks, type Ticks } from './ticks.js';
export { PALETTE, chartLayout, dashes, decimate, extent, lineChart, type ChartLayout, type LineChartSpec, type Series } from './line-chart.js';
export { NAN_COLOR, heatmap, viridis, type HeatmapOptions } from './colormap.js';
export { contourMask, overlay, sideBySide, type OverlayOptions } from './overlay.js';
