import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../src/cli/args.js';
import { segment } from '../../src/cli/commands/segment.js';
import { image } from '../../src/data/image.js';
import { readImage } from '../../src/data/image-file.js';
import { readPng, writePng } from '../../src/data/png.js';
import { instanceMap } from '../../src/infer/outputs.js';
import { segmentImage } from '../../src/infer/tiles.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { hasSharedData, SHARED_DATA, tiffBytes, type TiffPage } from '../data/helpers.js';
import { bundledModel } from '../../src/unet/bundled.js';
import { randomModel } from '../infer/helpers.js';
import { expectRejection } from '../helpers/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unet-cli-segment-'));
const modelFile = path.join(dir, 'model.safetensors');
const model = randomModel({ depth: 2, base: 2, tile: 64 }, 1);
const imagesDir = path.join(dir, 'images');
const grey = path.join(imagesDir, 'cells.png');
const rgb = path.join(dir, 'rgb.png');

/** Runs the command with stdout/stderr captured. */
const run = async (argv: readonly string[]): Promise<{ code: number; out: string; err: string }> => {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    return { code: await segment.run(argv), out: out.join('\n'), err: err.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
};

beforeAll(async () => {
  fs.mkdirSync(imagesDir);
  await saveCheckpoint(modelFile, model);
  const px = (w: number, h: number, c: number) => Float32Array.from({ length: w * h * c }, (_, i) => 128 + 120 * Math.sin(i * 0.21) * Math.cos(i * 0.013));
  writePng(grey, image(45, 38, 1, px(45, 38, 1)));
  writePng(rgb, image(20, 20, 3, px(20, 20, 3)));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await disposeRuntimes();
});

describe('unet-ts segment', () => {
  it('segments a folder of PNGs: probability, label, overlay and instance PNGs equal to segmentImage', async () => {
    const out = path.join(dir, 'out');
    const r = await run(['--model', modelFile, '--out', out, '--backend', 'cpu', '--instances', imagesDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cells\.png: 45×38, 4 tiles of 64 \(4 per pass\) in [\d.]+ s on cpu, \d+ objects → 5 files in/); // the model's 64: 2 × 2 tiles; 60 would take 3 × 2
    expect(r.err).toMatch(/image 1\/1 cells\.png \[#+\] 4\/4 tiles/);
    expect(fs.readdirSync(out).sort()).toEqual(['cells_instances.png', 'cells_labels.png', 'cells_overlay.png', 'cells_prob0.png', 'cells_prob1.png']);
    const want = await segmentImage(await runtimeFor('cpu'), model, readImage(grey, { normalize: 'per-image' }));
    const prob = readPng(path.join(out, 'cells_prob1.png')).image.data;
    prob.forEach((v, i) => expect(Math.abs(v / 65535 - want.probs[1]![i]!)).toBeLessThanOrEqual(1 / 65535));
    expect(Array.from(readPng(path.join(out, 'cells_labels.png')).image.data)).toEqual(Array.from(want.labels));
    expect(new Set(want.labels).size).toBe(2);
    const ids = readPng(path.join(out, 'cells_instances.png')).image.data;
    expect(Array.from(ids)).toEqual(Array.from(instanceMap(want.labels, 45, 38).map.data));
  });

  it('--tta runs 8 passes', async () => {
    const r = await run(['--model', modelFile, '--out', path.join(dir, 'tta'), '--backend', 'cpu', '--tta', '--tile', '88', grey]);
    expect(r.out).toMatch(/cells\.png: 45×38, 8 tiles of 88 \(1 per pass, 8 passes\)/);
  });

  it('without --tile each image gets the tile of least work up to the model tile; the PNGs equal those of --tile (model tile)', async () => {
    const bigFile = path.join(dir, 'model-104.safetensors');
    await saveCheckpoint(bigFile, randomModel({ depth: 2, base: 2, tile: 104 }, 2)); // stride 64
    const auto = await run(['--model', bigFile, '--out', path.join(dir, 'auto'), '--backend', 'cpu', grey]);
    // 88: output 48, the smallest stride covering 45 px, one tile instead of one 104
    expect(auto.out).toMatch(/cells\.png: 45×38, 1 tiles of 88 \(1 per pass\)/);
    const fixed = await run(['--model', bigFile, '--out', path.join(dir, 'fixed'), '--backend', 'cpu', '--tile', '104', grey]);
    expect(fixed.out).toMatch(/cells\.png: 45×38, 1 tiles of 104 \(1 per pass\)/);
    for (const f of ['cells_labels.png', 'cells_prob1.png']) {
      const a = readPng(path.join(dir, 'auto', f)).image.data;
      const b = readPng(path.join(dir, 'fixed', f)).image.data;
      expect(a.every((v, i) => Math.abs(v - b[i]!) <= 1), f).toBe(true); // ≤ 1/65535 of probability
    }
  });

  it('fails with one clear line on bad input', async () => {
    const base = ['--out', path.join(dir, 'bad'), '--backend', 'cpu'];
    await expect(run(['--model', path.join(dir, 'nope.safetensors'), ...base, grey])).rejects.toThrow(/^model file .*nope\.safetensors does not exist$/);
    await expect(run(['--model', modelFile, ...base, rgb])).rejects.toThrow(
      'rgb.png: the image has 3 channels, the model expects 1 (inChannels) (use --grey to convert RGB to grey)',
    );
    await expect(run(['--model', modelFile, ...base, '--tile', '62', grey])).rejects.toThrow('segment: --tile 62: unet: tile size 62 is not valid for depth 2 (valid padding)');
    await expect(run(['--model', modelFile, ...base, '--tile', '62', grey])).rejects.toThrow('nearest valid sizes: 60 or 64');
    const broken = path.join(dir, 'broken.png');
    fs.writeFileSync(broken, 'not a png');
    await expect(run(['--model', modelFile, ...base, broken])).rejects.toThrow('broken.png: not a PNG file');
    await expect(run(['--model', modelFile, ...base, path.join(dir, 'missing.png')])).rejects.toThrow(/^input .*missing\.png does not exist$/);
    await expect(run(['--model', grey, ...base, grey])).rejects.toThrow('cells.png:');
    await expect(run(['--model', modelFile, '--backend', 'cpu', grey])).rejects.toThrow('segment: --out is required');
    await expect(run(['--model', modelFile, ...base])).rejects.toThrow('segment: no input images');
  });

  it('bad usage is a UsageError (exit 2) naming the flag, the value and what was expected', async () => {
    const base = ['--model', modelFile, '--out', path.join(dir, 'usage')];
    const usage = (argv: readonly string[], message: string | RegExp): Promise<void> => expectRejection(run(argv), UsageError, message);
    await usage(base, "segment: no input images; give image files or folders after the flags (see 'unet-ts segment --help')");
    await usage([...base, '--backend', 'nosuch', grey], 'segment: --backend nosuch: unknown backend; expected one of webgpu, headlessgl, webasm, cpu or auto');
    await usage([...base, '--tile', '-1', grey], 'segment: --tile -1: expected a number ≥ 1 and ≤ 65536');
    await usage([...base, '--tile', '62', grey], /^segment: --tile 62: .*nearest valid sizes: 60 or 64$/);
    // depth 2: tile 88 gives an output stride of 48 ≥ 45, the smallest that covers the 45×38
    // image in one tile; one valid step more (92) is allowed, no further
    await usage([...base, '--tile', '10004', grey], `segment: --tile 10004 is far larger than the largest image (${grey}, 45×38): tile 88 already covers it in one tile; expected at most 92`);
    await usage([...base, '--tile', '96', grey], /expected at most 92$/);
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    await usage(['--model', modelFile, '--out', file, '--backend', 'cpu', grey], `segment: --out ${file} is an existing file; expected a folder (existing or to be created)`);
    await usage(['--model', modelFile, '--out', path.join(file, 'sub'), '--backend', 'cpu', grey], `segment: --out ${path.join(file, 'sub')}: cannot create the folder: a file is in the way of one of its parent folders`);
  });

  it('converts RGB with --grey', async () => {
    const r = await run(['--model', modelFile, '--out', path.join(dir, 'rgb'), '--backend', 'cpu', '--grey', rgb]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'rgb', 'rgb_labels.png'))).toBe(true);
  });

  it('--page picks the page of a multi-page TIFF (without it: an error naming the file and the flag); --max-pixels limits the size', async () => {
    const page = (seed: number): TiffPage => ({
      width: 30, height: 26, bitsPerSample: 8, sampleFormat: 1, samplesPerPixel: 1, photometric: 1,
      values: Array.from({ length: 30 * 26 }, (_, i) => (i * seed) % 251),
    });
    const stack = path.join(dir, 'stack.tif');
    fs.writeFileSync(stack, tiffBytes([page(7), page(13)]));
    const noPage = await run(['--model', modelFile, '--out', path.join(dir, 'stack-none'), '--backend', 'cpu', stack]).catch((e: Error) => e);
    expect(noPage).toBeInstanceOf(Error);
    expect((noPage as Error).message).toMatch(/stack\.tif: TIFF has 2 pages.*--page N/);
    const out = path.join(dir, 'stack-1');
    expect((await run(['--model', modelFile, '--out', out, '--backend', 'cpu', '--page', '1', stack])).code).toBe(0);
    const want = await segmentImage(await runtimeFor('cpu'), model, readImage(stack, { page: 1, normalize: 'per-image' }));
    expect(Array.from(readPng(path.join(out, 'stack_labels.png')).image.data)).toEqual(Array.from(want.labels));
    const big = await run(['--model', modelFile, '--out', path.join(dir, 'small-limit'), '--backend', 'cpu', '--max-pixels', '100', grey]).catch((e: Error) => e);
    expect((big as Error).message).toMatch(/cells\.png: .*45×38 = 1710 pixels exceeds/);
    for (const flags of [['--page', '-1'], ['--max-pixels', '0']]) {
      const e = await run(['--model', modelFile, '--out', path.join(dir, 'never'), ...flags, grey]).catch((x: Error) => x);
      expect(e, flags.join(' ')).toBeInstanceOf(UsageError);
    }
  });
});

/** The label PNGs of two segment runs are identical and their probability PNGs within 1 of 65535 (p within 1e-4, before rounding). */
const expectSamePngs = (a: string, b: string, stem: string, classes: number): void => {
  expect(Array.from(readPng(path.join(b, `${stem}_labels.png`)).image.data)).toEqual(Array.from(readPng(path.join(a, `${stem}_labels.png`)).image.data));
  for (let k = 0; k < classes; k++) {
    const [pa, pb] = [readPng(path.join(a, `${stem}_prob${k}.png`)).image.data, readPng(path.join(b, `${stem}_prob${k}.png`)).image.data];
    expect(pa.every((v, i) => Math.abs(v - pb[i]!) <= 1), `${stem}_prob${k}.png`).toBe(true);
  }
};

describe('unet-ts segment --engine onnx', () => {
  it('writes the PNGs of --engine gpujs (tiny random model, synthetic image, 4 tiles)', async () => {
    const [a, b] = [path.join(dir, 'engine-gpujs'), path.join(dir, 'engine-onnx')];
    expect((await run(['--model', modelFile, '--out', a, '--backend', 'cpu', grey])).code).toBe(0);
    const r = await run(['--model', modelFile, '--out', b, '--engine', 'onnx', grey]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/cells\.png: 45×38, 4 tiles of 64 \(4 per pass\) in [\d.]+ s on onnxruntime → 4 files in/);
    expectSamePngs(a, b, 'cells', 2);
  });

  it.skipIf(!hasSharedData)(`writes the PNGs of --engine gpujs on a real image (dsb2018-small, ${SHARED_DATA}/dsb2018)`, async () => {
    const file = path.join(SHARED_DATA, 'dsb2018/images/06c779330d6d.png');
    const [a, b] = [path.join(dir, 'real-gpujs'), path.join(dir, 'real-onnx')];
    const model = bundledModel('dsb2018-small');
    expect((await run(['--model', model, '--out', a, '--backend', 'webasm', file])).code).toBe(0);
    const r = await run(['--model', model, '--out', b, '--engine', 'onnx', file]);
    expect(r.out).toMatch(/06c779330d6d\.png: 360×360, 1 tiles of \d+ \(1 per pass\) in [\d.]+ s on onnxruntime/);
    expectSamePngs(a, b, '06c779330d6d', 2);
  });
  if (!hasSharedData) console.warn(`Skipping the real-image --engine onnx test: ${SHARED_DATA} is absent.`);

  it('bad usage: an unknown engine, --backend with onnx; a bad --tile gives the message of the gpujs engine', async () => {
    const base = ['--model', modelFile, '--out', path.join(dir, 'engine-usage')];
    await expectRejection(run([...base, '--engine', 'tfjs', grey]), UsageError, 'segment: --engine tfjs: unknown engine; expected gpujs or onnx');
    await expectRejection(
      run([...base, '--engine', 'onnx', '--backend', 'cpu', grey]),
      UsageError,
      'segment: --backend cpu chooses a GPU.js backend; it does not apply to --engine onnx (onnxruntime runs on the CPU)',
    );
    await expectRejection(run([...base, '--engine', 'onnx', '--tile', '62', grey]), UsageError, /^segment: --tile 62: .*nearest valid sizes: 60 or 64$/);
  });
});
