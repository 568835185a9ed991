/**
 * Writes one synthetic cell image (src/data/synthetic.ts, seed 1) as an 8-bit grey PNG: the
 * input of the tile-choice timing (scripts/bench/segment-tile.sh).
 *
 *   npx tsx scripts/bench/synthetic-image.ts OUT.png WIDTH HEIGHT
 */
import { synthetic } from '../../src/data/synthetic.js';
import { writePng } from '../../src/data/png.js';
import { image } from '../../src/data/image.js';

const [out, w, h] = process.argv.slice(2);
if (out === undefined || w === undefined || h === undefined) {
  console.error('usage: npx tsx scripts/bench/synthetic-image.ts OUT.png WIDTH HEIGHT');
  process.exit(2);
}
const { image: img } = synthetic({ width: Number(w), height: Number(h) })(1);
let lo = Infinity;
let hi = -Infinity;
for (const v of img.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
writePng(out, image(img.width, img.height, 1, img.data.map((v) => (255 * (v - lo)) / (hi - lo || 1))));
console.log(`wrote ${out}: ${img.width}×${img.height}`);
