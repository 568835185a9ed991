/**
 * The bioimage.io package of a shipped model: the zip holds what rdf.yaml names with the right
 * sha256s; the test tensors are reproduced by weights.onnx in onnxruntime after the
 * preprocessing rdf.yaml declares, computed here as a bioimage.io consumer does it
 * ((x − mean) / (std + 1e-6) per sample and channel); the sizes follow the geometry; and
 * rdf.yaml validates against the format's published JSON schema (bioimage-io/spec-bioimage-io,
 * src/bioimageio/spec/static/bioimageio_schema.json) when BIOIMAGEIO_SCHEMA names a copy of
 * it, or one lies at ../shared/schemas/bioimageio_schema.json beside the checkout — the schema
 * is not vendored here, so without either that one test is skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parse } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { bioimageioPackage, zipPackage, type BioimageioPackage } from '../../src/export/bioimageio.js';
import { readNpy } from '../../src/export/npy.js';
import { decodePng } from '../../src/data/png.js';
import { geometry } from '../../src/unet/geometry.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { bundledModel } from '../../src/unet/bundled.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { maxAbs, rawSampleImage, runOnnx } from './helpers.js';

/** The schema file: BIOIMAGEIO_SCHEMA, else ../shared/schemas/bioimageio_schema.json beside the checkout. */
const SCHEMA = process.env['BIOIMAGEIO_SCHEMA'] ?? join(import.meta.dirname, '../../../shared/schemas/bioimageio_schema.json');
const hasSchema = existsSync(SCHEMA);

let rt: Runtime;
let pkg: BioimageioPackage;
let zipped: Map<string, Uint8Array>;
beforeAll(async () => {
  rt = await createRuntime({ backend: 'webasm' });
  const model = await loadCheckpoint(bundledModel('isbi2012-small'));
  const card = new TextEncoder().encode('# Model card\n');
  pkg = await bioimageioPackage(rt, model, {
    name: 'isbi2012-small',
    description: 'EM cell interiors vs membranes (ISBI 2012)',
    authors: [{ name: 'unet-ts contributors' }],
    sample: rawSampleImage('isbi2012').image,
    documentation: '# isbi2012-small\n',
    attachments: { 'card.md': card },
    timestamp: '2026-12-02T00:00:00Z',
  });
  zipped = new Map(Object.entries(unzipSync(zipPackage(pkg))));
});
afterAll(async () => rt.dispose());

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** bioimage.io's zero_mean_unit_variance over y and x, per sample and channel (eps 1e-6), in float64. */
const zeroMeanUnitVariance = (t: { shape: readonly number[]; data: Float32Array }): Tensor => {
  const [n, c, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < n * c; i++) {
    const v = t.data.subarray(i * h * w, (i + 1) * h * w);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    for (let j = 0; j < v.length; j++) out[i * h * w + j] = (v[j]! - mean) / (std + 1e-6);
  }
  return { shape: [n, c, h, w], data: out };
};

describe('bioimageio package', () => {
  it('zips rdf.yaml and every file it names, each with its sha256', () => {
    expect([...zipped.keys()].sort()).toEqual(['card.md', 'cover.png', 'documentation.md', 'rdf.yaml', 'test_input.npy', 'test_output.npy', 'weights.onnx']);
    const rdf = parse(new TextDecoder().decode(zipped.get('rdf.yaml')!)) as typeof pkg.rdf;
    expect(rdf).toEqual(JSON.parse(JSON.stringify(pkg.rdf)));
    // Quoted, so that a YAML 1.1 reader (PyYAML) keeps the timestamp a string, as the schema wants.
    expect(new TextDecoder().decode(zipped.get('rdf.yaml')!)).toMatch(/^timestamp: "2026-12-02T00:00:00Z"$/m);
    const named = [rdf.weights.onnx, rdf.inputs[0]!.test_tensor, rdf.outputs[0]!.test_tensor, ...rdf.attachments];
    for (const f of named) expect(sha(zipped.get(f.source)!), f.source).toBe(f.sha256);
    expect(rdf.covers).toEqual(['cover.png']);
    const cover = decodePng(Buffer.from(zipped.get('cover.png')!));
    expect([cover.image.width / cover.image.height]).toEqual([(2 * 196 + 8) / 196]); // two 196² panels, 8 px apart
    expect(rdf.cite[0]!.doi).toBe('10.1007/978-3-319-24574-4_28');
  });

  it('describes the geometry: input 188 + 16k, output = input − 184, per-sample normalisation, softmax output', () => {
    const [input, output] = [pkg.rdf.inputs[0]!, pkg.rdf.outputs[0]!];
    expect(input.axes.map((a) => a.type)).toEqual(['batch', 'channel', 'space', 'space']);
    expect(input.axes[2]).toEqual({ type: 'space', id: 'y', size: { min: 188, step: 16 } });
    expect(output.axes[3]).toEqual({ type: 'space', id: 'x', size: { tensor_id: 'input', axis_id: 'x', offset: -184 } });
    expect(input.preprocessing).toEqual([{ id: 'zero_mean_unit_variance', kwargs: { axes: ['y', 'x'] } }]);
    expect(output.data).toEqual({ type: 'float32', range: [0, 1] });
    const x = readNpy(zipped.get('test_input.npy')!, 'test_input.npy');
    const y = readNpy(zipped.get('test_output.npy')!, 'test_output.npy');
    expect(x.shape).toEqual([1, 1, 380, 380]);
    expect(geometry({ depth: 4 })(380)._tag).toBe('Right');
    expect(y.shape).toEqual([1, 2, 196, 196]);
  });

  it('weights.onnx in onnxruntime reproduces test_output.npy from test_input.npy with the declared preprocessing', async () => {
    const x = readNpy(zipped.get('test_input.npy')!);
    const y = readNpy(zipped.get('test_output.npy')!);
    const got = await runOnnx(zipped.get('weights.onnx')!, zeroMeanUnitVariance(x));
    expect(got.shape).toEqual(y.shape);
    const d = maxAbs(got.data, y.data);
    console.log(`weights.onnx vs test_output.npy (isbi2012-small, 380²): max |Δprobability| ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4); // bioimage.io's default reproducibility tolerance (absolute 1e-4)
  });

  it('refuses a sample smaller than the smallest tile, a sample with the wrong channels, a bad name', async () => {
    const model = await loadCheckpoint(bundledModel('dsb2018-small'));
    const base = { name: 'dsb2018-small', description: 'x', authors: [{ name: 'a' }] };
    const img = (w: number, h: number, c = 1) => ({ width: w, height: h, channels: c, data: new Float32Array(w * h * c) });
    await expect(bioimageioPackage(rt, model, { ...base, sample: img(200, 150) })).rejects.toThrow(/sample image is 200×150; expected at least 188×188/);
    await expect(bioimageioPackage(rt, model, { ...base, sample: img(200, 200, 3) })).rejects.toThrow(/3 channel\(s\), the model takes 1/);
    await expect(bioimageioPackage(rt, model, { ...base, name: 'a/b', sample: img(188, 188) })).rejects.toThrow(/name "a\/b": expected 5 to 128/);
  });

  it.skipIf(!hasSchema)('rdf.yaml validates against the published bioimage.io JSON schema (BIOIMAGEIO_SCHEMA or ../shared/schemas)', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const rdf = parse(new TextDecoder().decode(zipped.get('rdf.yaml')!)) as unknown;
    const ok = validate(rdf);
    expect(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1)).toBe(true);
    // The validator is not vacuous: descriptions the spec forbids fail.
    const good = rdf as typeof pkg.rdf;
    expect(validate({ ...good, inputs: [{ ...good.inputs[0]!, axes: [{ type: 'space', id: 'y', size: { min: 0, step: 16 } }] }] })).toBe(false);
    expect(validate({ ...good, license: 'NOT-A-LICENSE' })).toBe(false);
    expect(validate({ ...good, unknown_field: 1 })).toBe(false);
    expect(validate({ ...good, weights: { onnx: { source: 'weights.onnx' } } })).toBe(false); // no opset_version
  });
});
