/**
 * The trained models that ship inside the package, in its `models/` folder (package.json
 * "files"): `isbi2012-small` (EM cell interiors, ISBI 2012) and `dsb2018-small` (nuclei,
 * Data Science Bowl 2018).
 *
 * The path is resolved from this module's own location, so it is right wherever the
 * package is installed: dist/unet/bundled.js (and src/unet/bundled.ts in the repository)
 * sit two folders below the package root.
 *
 * @example
 * import { bundledModel, loadCheckpoint } from 'unet-ts';
 * const model = await loadCheckpoint(bundledModel('isbi2012-small'));
 */
import { fileURLToPath } from 'node:url';

import type { BundledModelName } from './bundled-names.js';

export { BUNDLED_MODELS, type BundledModelName } from './bundled-names.js';

/**
 * The absolute path of a shipped model, `<package>/models/<name>.safetensors`, for
 * `loadCheckpoint`. Only computes the path: it does not check that the file exists.
 *
 * @example
 * const model = await loadCheckpoint(bundledModel('dsb2018-small')); // { config, params }
 */
export const bundledModel = (name: BundledModelName): string =>
  fileURLToPath(new URL(`../../models/${name}.safetensors`, import.meta.url));
