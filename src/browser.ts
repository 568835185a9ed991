/**
 * unet-ts in a browser: the same library as './index.ts' (the same src/ modules, runtime and
 * kernels), without the parts that need Node — files and folders (readImage, datasets, model
 * files by path, writeOutputs), the native `gl` and Dawn `webgpu` packages, webasm's worker
 * threads, onnxruntime-node, and the file-writing trainer. package.json's "browser" export
 * condition resolves `import … from 'unet-ts'` here in a bundler (esbuild, Vite); Node gets
 * './index.ts'. Backends: `webgpu` where `navigator.gpu` gives an adapter, else `webgl2`, else
 * `cpu` (src/runtime/browser.ts); `rt.backend` says which runs.
 *
 * Models come as bytes or a URL: `decodeModel(bytes)`, `loadModelUrl(url)`; a model made in
 * the page is saved with `encodeModel`.
 *
 * @packageDocumentation
 *
 * @example
 * import { createRuntime, loadModelUrl, segmentImage, image } from 'unet-ts';
 * declare const w: number, h: number, grey: Float32Array; // the user's image
 * const rt = await createRuntime();                               // webgpu, else webgl2
 * const model = await loadModelUrl('models/isbi2012-small.safetensors');
 * const seg = await segmentImage(rt, model, image(w, h, 1, grey)); // grey: Float32Array, normalised
 * seg.labels; // Uint8Array of class indices
 */
export * from './portable.js';
// Runtime: the browser's platform binding
export { createRuntime, browserBackends, chooseBrowserBackend, type BrowserBackends } from './runtime/browser.js';
