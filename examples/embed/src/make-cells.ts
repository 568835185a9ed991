/**
 * Writes cells.png, the example's input: the library's synthetic fluorescence cells
 * (seed 7, 128×128, 8-bit grey). Run `node dist/make-cells.js` to make it again.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng, image, synthetic } from 'unet-ts';

const { image: cells } = synthetic({ width: 128, height: 128 })(7); // values in [0, 1]
const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'cells.png');
writeFileSync(file, encodePng(image(cells.width, cells.height, 1, cells.data.map((v) => 255 * v))));
console.log(`wrote ${file}`);
