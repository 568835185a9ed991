/**
 * The names of the models shipped in the package's `models/` folder (no Node built-ins: the
 * browser build lists them too; there a page serves `models/<name>.safetensors` and loads it
 * with `loadModelUrl`). Their paths in Node: ./bundled.ts.
 */
export const BUNDLED_MODELS = ['isbi2012-small', 'dsb2018-small'] as const;

/** The name of a model shipped with the package. */
export type BundledModelName = (typeof BUNDLED_MODELS)[number];
