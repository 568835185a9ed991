/**
 * Plots rendered by unet-ts itself (no canvas library): RGB rasters with a bitmap font, PNG
 * encoding, line charts for training curves, viridis heat maps, segmentation overlays.
 *
 * @example
 * import { encodePng, lineChart } from './plot/index.js';
 */
export { ADVANCE, CAP_HEIGHT, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font.js';
export { BLACK, WHITE, capHeight, draw, pixel, raster, textHeight, textWidth, upscale, type Mark, type Raster, type Rgb } from './raster.js';
export { decodePng, encodePng } from './png.js';
export { formatTick, linearTicks, logTicks, type Ticks } from './ticks.js';
export { PALETTE, chartLayout, decimate, extent, lineChart, type ChartLayout, type LineChartSpec, type Series } from './line-chart.js';
export { NAN_COLOR, heatmap, viridis, type HeatmapOptions } from './colormap.js';
export { contourMask, overlay, sideBySide, type OverlayOptions } from './overlay.js';
