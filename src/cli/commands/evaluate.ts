/** `unet-ts evaluate`: segment labelled images and report pixel error, IoU/Dice, Rand error, V_Info and SEG. */
import { backendFlag, IMAGE_FILE_OPTIONS, IMAGE_FILE_USAGE, imageFileFlags, intIn, numIn, outDirFlag, outFileFlag, parse, required, SEED_RANGE, str, inferenceTileFlag, UsageError } from '../args.js';
import { readImageFile } from '../../data/image-file.js';
import type { Command } from '../command.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { loadEntry, openDataset, splitDataset, type Dataset, type LoadedEntry } from '../../data/dataset.js';
import { evaluateModel, metricNames } from '../../infer/evaluate.js';
import { baselineEvaluation, type BaselineEntry } from '../../infer/baseline.js';
import { labelsFromImage } from '../../data/labels.js';
import { checkChannels, loadModel } from '../../infer/files.js';
import { writeOutputs } from '../../infer/outputs.js';
import { progressReporter } from '../progress-bar.js';
import { baselineLines, reportJson, tableHeader, tableRow } from '../../infer/report.js';
import { ENGINE_USAGE, engineFlag, openEngine } from '../engine.js';

const usage = `Usage: unet-ts evaluate --model FILE --images DIR --labels DIR [--instances] [--tta] [--tile N]
                         [--names A,B,... | --val-fraction F [--seed N]]
                         [--json FILE] [--out DIR] [--grey] [--engine gpujs|onnx]
                         [--backend webgpu|headlessgl|webasm|cpu|auto]

Segments every image of DIR (paired with the label file of the same stem, read as in training:
binary masks with 0 = background/membrane and the high value = class 1, e.g. ISBI 2012's
255 = cell interior; --instances: object ids, 0 = background) and prints per image and on
average: pixel error, foreground IoU and Dice, the ISBI 2012 Rand error and V_Info (best over
thresholds 0, 0.1, …, 1 of the foreground probability, scored on the ground-truth foreground),
and with --instances the SEG score of the objects (connected components of class 1).
Under the model's mean, the same metrics of baselines made from each image's ground truth:
a constant (every pixel the image's majority class: no constant has a lower pixel error) and,
with --instances, the true foreground without separation borders, each 4-connected component
one object (what merging touching objects costs in SEG); then in how many images the model
beats the constant on pixel error.

  --names A,B,...   only the images with these stems (as train --val-names holds out)
  --val-fraction F  only the validation split that train --val-fraction F --seed N holds out
                    (same shuffle; --seed default 0)
  --tile N      force the input tile size (default: per image, as segment picks it: the tile of
                least work up to the model's own; the result does not depend on the tile)
  --json FILE   also write the numbers as JSON (the baselines' under "baselines")
  --out DIR     also write the label and overlay PNGs (prediction yellow, ground truth magenta)
${ENGINE_USAGE}
${IMAGE_FILE_USAGE}`;

/** The images to score: all, the named stems, or the validation split of `train --val-fraction`. */
const heldOut = (all: Dataset, names: string | undefined, fraction: string | boolean | undefined, seed: number): Dataset => {
  if (names !== undefined && fraction !== undefined) throw new UsageError('evaluate: give --names or --val-fraction, not both');
  if (names !== undefined) {
    const list = names.split(',').map((n) => n.trim());
    if (list.some((n) => n === '')) throw new UsageError(`evaluate: --names ${names}: an empty name; expected comma-separated image stems`);
    return splitDataset({ names: list })(all).validation;
  }
  // 0 < F < 1: the split must hold out something and keep something, as train's does
  if (fraction !== undefined) return splitDataset({ fraction: numIn('evaluate', 'val-fraction', fraction, { above: 0, below: 1 })!, seed })(all).validation;
  return all;
};

export const evaluate: Command = {
  name: 'evaluate',
  summary: 'segment labelled images; report pixel error, IoU/Dice, Rand error, V_Info (and SEG)',
  usage,
  run: async (argv) => {
    const { values } = parse('evaluate', argv, {
      model: { type: 'string' },
      images: { type: 'string' },
      labels: { type: 'string' },
      instances: { type: 'boolean' },
      tta: { type: 'boolean' },
      tile: { type: 'string' },
      json: { type: 'string' },
      out: { type: 'string' },
      grey: { type: 'boolean' },
      backend: { type: 'string' },
      engine: { type: 'string' },
      names: { type: 'string' },
      'val-fraction': { type: 'string' },
      seed: { type: 'string' },
      ...IMAGE_FILE_OPTIONS,
    });
    const modelFile = required('evaluate', 'model', values['model']);
    const imagesDir = required('evaluate', 'images', values['images']);
    const labelsDir = required('evaluate', 'labels', values['labels']);
    const instances = values['instances'] === true;
    const tta = values['tta'] === true;
    const json = str(values['json']);
    const jsonFile = json === undefined ? undefined : outFileFlag('evaluate', json, 'json');
    const out = str(values['out']);
    const backend = backendFlag('evaluate', values['backend']);
    const engineName = engineFlag('evaluate', values['engine'], backend);
    const seed = intIn('evaluate', 'seed', values['seed'], SEED_RANGE, 0);
    const files = imageFileFlags('evaluate', values);
    if (values['val-fraction'] !== undefined) numIn('evaluate', 'val-fraction', values['val-fraction'], { above: 0, below: 1 });
    const model = await loadModel(modelFile);
    const k = model.config.classes;
    const all = openDataset({
      imagesDir,
      labelsDir,
      kind: instances ? 'instances' : k > 2 ? 'multiclass' : 'binary',
      ...(k > 2 && !instances ? { numClasses: k } : {}),
      grey: values['grey'] === true,
      ...files,
    });
    const ds = heldOut(all, str(values['names']), values['val-fraction'], seed);
    // --tile forces a size (checked against the model and the images); absent: 'auto' per image
    const tile = inferenceTileFlag('evaluate', values['tile'], model.config, () =>
      ds.entries.map((e) => {
        const { width, height } = readImageFile(e.imagePath, files).image;
        return { file: e.imagePath, width, height };
      }),
    );
    const outDir = out === undefined ? undefined : outDirFlag('evaluate', out);
    const load = loadEntry(ds);
    function* entries(): Generator<LoadedEntry> {
      for (const e of ds.entries) {
        const loaded = load(e);
        checkChannels(model.config, loaded.image, e.imagePath);
        yield loaded;
      }
    }
    // the baselines need only the ground truth (and, with --instances, the object ids as drawn,
    // before the separation borders): kept per image while the model is evaluated
    const truths: BaselineEntry[] = [];
    const drawnObjects = (labelPath: string): BaselineEntry['objects'] =>
      labelsFromImage({ kind: 'instances', separateTouching: false, file: labelPath })(readImageFile(labelPath, { ...files, paletteIndex: true }).image).instances;
    const names = metricNames(instances);
    const engine = await openEngine(engineName, backend, model);
    const bar = progressReporter(process.stderr);
    const n = ds.entries.length;
    console.log(`${modelFile}: ${n} images, tile ${tile === 'auto' ? `auto (per image, at most ${model.config.tile})` : tile}${tta ? ', 8-fold test-time augmentation' : ''}, ${engine.forward.engine}`);
    console.log(tableHeader(names));
    let started = -1;
    try {
      const ev = await evaluateModel(engine.forward, model, entries(), {
        tile,
        tta,
        instances,
        onTile: (p, i, e) => {
          if (i !== started) bar.start(`image ${(started = i) + 1}/${n} ${e.stem}`);
          bar.update(p);
        },
        onImage: (m, seg, e, i) => {
          bar.finish();
          truths.push({ stem: e.stem, labels: e.labels, ...(instances ? { objects: drawnObjects(ds.entries[i]!.labelPath) } : {}) });
          console.log(tableRow(m.name, names, m));
          const truth = instances ? e.labels.instances.data : e.labels.classes.data;
          if (outDir !== undefined) writeOutputs(outDir, e.stem, e.image, seg, { instances, truth });
        },
      });
      console.log('-'.repeat(tableHeader(names).indexOf('\n')));
      console.log(tableRow('mean', names, ev.mean));
      const baselines = baselineEvaluation(truths, { instances });
      for (const line of baselineLines(names, ev, baselines)) console.log(line);
      if (jsonFile !== undefined) {
        const report = reportJson({ model: modelFile, imagesDir, labelsDir, tile, tta, instances }, ev, baselines);
        writeFileAtomic(jsonFile, Buffer.from(`${JSON.stringify(report, null, 2)}\n`));
        console.log(`wrote ${jsonFile}`);
      }
    } finally {
      await engine.close();
    }
    return 0;
  },
};
