/**
 * `unet-ts train`: train a U-Net on a folder of images and labels (paper Sec. 3).
 *
 * Reliability (README "Reliability"): the --out folder belongs to one run — a folder that
 * holds a run is refused unless --resume or --overwrite, and a lock file (train.lock) keeps a
 * second writer out while a run is alive; stale temporary files of killed writers are removed
 * at start; SIGINT/SIGTERM end the run with a checkpoint (exit 130/143); every flag is
 * checked for type and range before any work starts.
 */
import { existsSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { IMAGE_FILE_OPTIONS, IMAGE_FILE_USAGE, imageFileFlags, intIn, numIn, outDirFlag, parse, required, SEED_RANGE, str, UsageError, type Options } from '../args.js';
import type { Command } from '../command.js';
import { configFromFlags } from '../model-source.js';
import { progressReporter } from '../progress-bar.js';
import { createRuntime } from '../../runtime/runtime.js';
import { loadEntry, openDataset, splitDataset, trainingItem, type Dataset } from '../../data/dataset.js';
import { parseClassWeights, weightMapCache } from '../../data/weight-map.js';
import { initParams } from '../../unet/params.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { adam, sgd, type OptimizerConfig } from '../../train/optim.js';
import type { Schedule } from '../../train/schedule.js';
import { train as runTraining } from '../../train/trainer.js';
import { archivePreviousRun, lockFile, runFilesIn } from '../../train/run-folder.js';
import { removeStaleTemps } from '../../io/atomic.js';
import { acquireLock, LockError, type Lock } from '../../io/run-lock.js';
import { geometry } from '../../unet/geometry.js';
import type { UNetConfig } from '../../unet/config.js';
import { SELECTABLE, validator, type Selection } from '../../train/validation.js';
import type { WeightMapOptions } from '../../data/weight-map.js';
import { datasetClassWeights } from '../../data/dataset.js';
import { writeLossChart } from '../../train/loss-chart.js';

const usage = `Usage: unet-ts train --images DIR --labels DIR [--instances]
         [--val-images DIR --val-labels DIR | --val-fraction F | --val-names A,B,...]
         [--preset paper|small|tiny | --config FILE] [--tile N]
         [--steps N] [--minutes M] [--optimizer sgd|adam] [--lr X] [--momentum M]
         [--weight-decay L] [--schedule constant|step|poly|cosine] [--warmup N] [--accumulate K]
         [--loss ce|dice+ce] [--class-weights balanced|dataset|none|W0,W1,...] [--w0 X] [--sigma S]
         [--val-every N] [--select iou|pixel|rand|seg] [--checkpoint-every N] [--seed N]
         [--backend NAME] [--resume FILE | --overwrite] --out DIR

Trains with the paper's weighted pixel-wise softmax cross-entropy (Eq. 1) and border
weight maps (Eq. 2), elastic/shift/rotation/gray-value augmentation, batch 1 on large tiles.
Defaults — a recipe that trains both shipped data sets well (README "Results"); the paper's own
is --optimizer sgd --schedule constant --class-weights balanced --w0 10:
  --optimizer adam (lr 0.001; sgd: momentum 0.99, lr 0.01), --schedule cosine (down to 1% of
  --lr at --steps; step: ×0.1 at each third of --steps; poly: power 0.9 to 0), --warmup 0 (steps
  of linear warm-up), --loss ce (Eq. 1; dice+ce adds a soft Dice loss), --steps 1000,
  --val-every 100, --select iou, --checkpoint-every 50, --seed 0.
The weights w(x) = w_c(x) + w0·exp(−(d1+d2)²/2σ²) of Eq. 2:
  --class-weights  w_c: balanced (inverse class frequency per label image, mean 1), dataset
                   (the same over all training labels pooled: milder on sparse images), none
                   (1 for every class), or one fixed weight per class, e.g. 1,3.
                   Default: dataset with --instances, none for binary labels.
  --w0 X           the border term's weight (default 10 with --instances, 0 for binary labels)
  --sigma S        its width in pixels (default 5)
  The term is added to background pixels near two objects: d1, d2 are the distances to the
  nearest and second-nearest object. With --instances an object is a labelled instance and the
  term lands in the thin gaps between touching ones (what separates them). For binary labels
  an object is a 4-connected component of class 1; where every object is already separated by
  labelled background (ISBI 2012: cell interiors walled by membrane), the term lands on nearly
  every background pixel near an object and, with balanced class weights, turns the argmax
  toward background: hence no term and no class weights by default there.
--select picks DIR/best.safetensors by the mean validation IoU, pixel error, Rand error or
SEG (--instances); the run's best is the model to ship, not necessarily its last.
Writes DIR/last.safetensors, DIR/best.safetensors (best validation score), DIR/log.jsonl,
DIR/loss.png and DIR/val/<image>_overlay.png. --resume continues a run from its
last.safetensors so that the final weights equal those of an uninterrupted run.
A folder that already holds a run is refused unless --resume (continue it) or --overwrite
(start again; the old run's files move to DIR/previous-<time>/). DIR/train.lock keeps a
second run out while this one is alive. Ctrl-C (SIGINT) or SIGTERM finishes the current
step, writes DIR/last.safetensors and exits with 130 / 143.
${IMAGE_FILE_USAGE}`;

const schedules = ['constant', 'step', 'poly', 'cosine'] as const;
const c = 'train';

/**
 * The recipe's defaults (see the usage text): Adam with cosine decay for both kinds of labels;
 * Eq. 2 with data-set-wide class balance for instances; plain cross-entropy for binary labels.
 *
 * @example
 * recipeDefaults(true).w0; // 10
 */
export const recipeDefaults = (instances: boolean) =>
  ({
    optimizer: 'adam',
    schedule: 'cosine',
    classWeights: instances ? 'dataset' : 'none',
    w0: instances ? 10 : 0,
    sigma: 5,
  }) as const;

/** The fields of a configuration that fix the network (all but the default tile). */
const architecture = (k: UNetConfig): string => `depth ${k.depth}, base ${k.base}, ${k.inChannels} input channel(s), ${k.classes} classes, ${k.padding} padding, dropout ${k.dropout}`;

/**
 * Claims `out` for this run: refuses a file and creates the folder (`outDirFlag`, as every
 * command's --out), takes the lock, removes stale temporary files
 * and, if the folder holds a run, refuses it (no --resume/--overwrite) or archives it
 * (--overwrite). Every step is reported on stdout. The caller releases the lock.
 */
const claimOutFolder = (out: string, mode: 'new' | 'resume' | 'overwrite'): Lock => {
  outDirFlag(c, out);
  let lock: Lock;
  try {
    lock = acquireLock(lockFile(out));
  } catch (e) {
    if (e instanceof LockError) throw new Error(`${c}: --out ${out} is in use: ${e.message}`);
    throw e;
  }
  try {
    if (lock.tookOver) console.log(`took over the stale lock ${lock.file} of pid ${lock.tookOver.pid} (started ${lock.tookOver.started}), which is no longer running`);
    for (const sub of [out, join(out, 'val')]) {
      const removed = removeStaleTemps(sub);
      if (removed.length > 0) console.log(`removed ${removed.length} temporary file(s) left in ${sub} by killed writers: ${removed.join(', ')}`);
    }
    const present = runFilesIn(out);
    if (present.length > 0 && mode === 'new') {
      throw new UsageError(`${c}: --out ${out} already holds a run (${present.join(', ')}); give --resume ${join(out, 'last.safetensors')} to continue it, --overwrite to start again, or another --out`);
    }
    if (mode === 'overwrite') {
      const archived = archivePreviousRun(out);
      if (archived) console.log(`--overwrite: moved the previous run's ${archived.moved.join(', ')} to ${archived.folder}`);
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
};

export const train: Command = {
  name: 'train',
  summary: 'train a U-Net on folders of images and labels',
  usage,
  run: async (argv) => {
    const s = (type: 'string' | 'boolean') => ({ type });
    const options: Options = {
      images: s('string'), labels: s('string'), instances: s('boolean'), 'val-images': s('string'), 'val-labels': s('string'),
      'val-fraction': s('string'), 'val-names': s('string'), preset: s('string'), config: s('string'), tile: s('string'),
      steps: s('string'), minutes: s('string'), optimizer: s('string'), lr: s('string'), momentum: s('string'),
      'weight-decay': s('string'), schedule: s('string'), accumulate: s('string'), 'val-every': s('string'),
      'checkpoint-every': s('string'), loss: s('string'), 'class-weights': s('string'), w0: s('string'), sigma: s('string'),
      warmup: s('string'), select: s('string'), seed: s('string'), backend: s('string'), resume: s('string'),
      overwrite: s('boolean'), out: s('string'), ...IMAGE_FILE_OPTIONS,
    };
    // parse joins `--steps -1` into `--steps=-1`, so a negative value reaches the range checks below.
    const { values: v } = parse(c, argv, options);
    const out = required(c, 'out', v['out']);
    const instances = v['instances'] === true;
    const resumeFile = str(v['resume']);
    if (resumeFile !== undefined && v['overwrite'] === true) throw new UsageError(`${c}: give --resume (continue the run in --out) or --overwrite (start it again), not both`);
    // Every flag is checked before the checkpoint or any data is read.
    const steps = intIn(c, 'steps', v['steps'], { min: 1 }, 1000);
    const minutes = numIn(c, 'minutes', v['minutes'], { above: 0 });
    const optFlag = str(v['optimizer']);
    if (optFlag !== undefined && optFlag !== 'sgd' && optFlag !== 'adam') throw new UsageError(`${c}: --optimizer ${optFlag}; expected sgd or adam`);
    const momentumFlag = numIn(c, 'momentum', v['momentum'], { min: 0, below: 1 });
    const wdFlag = numIn(c, 'weight-decay', v['weight-decay'], { min: 0 });
    const lrFlag = numIn(c, 'lr', v['lr'], { above: 0 });
    const accumulate = intIn(c, 'accumulate', v['accumulate'], { min: 1 }, 1);
    const checkpointEvery = intIn(c, 'checkpoint-every', v['checkpoint-every'], { min: 1 }, 50);
    const validateEvery = intIn(c, 'val-every', v['val-every'], { min: 1 }, 100);
    const seedFlag = intIn(c, 'seed', v['seed'], SEED_RANGE);
    const valFraction = numIn(c, 'val-fraction', v['val-fraction'], { above: 0, below: 1 });
    const tileAsked = intIn(c, 'tile', v['tile'], { min: 1 });
    const files = imageFileFlags(c, v);
    const recipe = recipeDefaults(instances);
    const scheduleName = str(v['schedule']) ?? recipe.schedule;
    if (!(schedules as readonly string[]).includes(scheduleName)) throw new UsageError(`${c}: --schedule ${scheduleName}; expected ${schedules.join(', ')}`);
    const loss = str(v['loss']) ?? 'ce';
    if (loss !== 'ce' && loss !== 'dice+ce') throw new UsageError(`${c}: --loss ${loss}; expected ce or dice+ce`);
    const warmup = intIn(c, 'warmup', v['warmup'], { min: 0 }, 0);
    const w0 = numIn(c, 'w0', v['w0'], { min: 0 }, recipe.w0);
    const sigma = numIn(c, 'sigma', v['sigma'], { above: 0 }, recipe.sigma);
    const select = str(v['select']) ?? 'iou';
    if (!(SELECTABLE as readonly string[]).includes(select)) throw new UsageError(`${c}: --select ${select}; expected ${SELECTABLE.join(', ')}`);
    if (select === 'seg' && !instances) throw new UsageError(`${c}: --select seg scores instances; give --instances or select iou, pixel or rand`);
    const classWeightsFlag = str(v['class-weights']) ?? recipe.classWeights;

    const resumed = resumeFile ? await loadCheckpoint(resumeFile) : undefined;
    if (resumed && !resumed.training) throw new Error(`${resumeFile}: has no optimizer state; --resume needs a training checkpoint (last.safetensors)`);
    const preset = str(v['preset']);
    const configFile = str(v['config']);
    let config: UNetConfig;
    if (resumed) {
      // The checkpoint fixes the network; a flag that asks for another one is a mistake, not a wish to honour silently.
      config = resumed.config;
      if (preset !== undefined || configFile !== undefined) {
        const asked = configFromFlags(c, preset, configFile);
        const flag = preset !== undefined ? `--preset ${preset}` : `--config ${configFile}`;
        if (architecture(asked) !== architecture(config)) throw new UsageError(`${c}: ${flag} (${architecture(asked)}) conflicts with --resume ${resumeFile} (${architecture(config)}); leave out ${flag.split(' ')[0]} to resume`);
      }
    } else config = configFromFlags(c, preset, configFile, 'small');
    const tile = tileAsked ?? config.tile;
    const choice = parseClassWeights(config.classes)(classWeightsFlag);
    if (E.isLeft(choice)) throw new UsageError(`${c}: ${choice.left}`);
    const g = geometry({ depth: config.depth, padding: config.padding })(tile);
    if (E.isLeft(g)) throw new UsageError(`${c}: --tile ${tile}: ${g.left.message}`);
    const rt0 = resumed?.training;
    if (rt0) {
      // Optimizer and seed come from the checkpoint (resume must equal an uninterrupted run); a differing flag is refused.
      const ck = rt0.optimizer;
      const conflict = (flag: string, given: string | number, saved: string | number): void => {
        if (String(given) !== String(saved)) throw new UsageError(`${c}: --${flag} ${given} conflicts with --resume ${resumeFile} (${flag} ${saved}); leave out --${flag} to resume`);
      };
      if (optFlag !== undefined) conflict('optimizer', optFlag, ck.kind);
      if (momentumFlag !== undefined) conflict('momentum', momentumFlag, ck.kind === 'sgd' ? ck.momentum : 'none (adam)');
      if (wdFlag !== undefined) conflict('weight-decay', wdFlag, ck.weightDecay);
      if (seedFlag !== undefined) conflict('seed', seedFlag, rt0.seed);
    }
    const optName = optFlag ?? recipe.optimizer;
    if (!rt0 && optName !== 'sgd' && momentumFlag !== undefined) throw new UsageError(`${c}: --momentum ${momentumFlag} applies to sgd; the optimizer is ${optName}${optFlag === undefined ? ' (the default)' : ''}: add --optimizer sgd`);
    const optimizer: OptimizerConfig = rt0?.optimizer ?? (optName === 'sgd' ? sgd(momentumFlag ?? 0.99, wdFlag ?? 0) : adam(wdFlag ?? 0));
    const lr = lrFlag ?? (optimizer.kind === 'sgd' ? 0.01 : 0.001);
    const schedule: Schedule =
      scheduleName === 'step'
        ? { kind: 'step', every: Math.max(1, Math.round(steps / 3)), gamma: 0.1 }
        : scheduleName === 'poly'
          ? { kind: 'poly', total: steps, power: 0.9 }
          : scheduleName === 'cosine'
            ? { kind: 'cosine', total: steps, final: 0.01 }
            : { kind: 'constant' };
    const seed = rt0?.seed ?? seedFlag ?? 0;

    const createdOut = !existsSync(out);
    const lock = claimOutFolder(out, resumed ? 'resume' : v['overwrite'] === true ? 'overwrite' : 'new');
    // SIGINT/SIGTERM: the first asks the trainer to stop after the current step and write
    // last.safetensors; a second one exits at once (the lock is released by its exit hook).
    const stop = new AbortController();
    let signalled: NodeJS.Signals | undefined;
    const exitCodeOf = (sig: NodeJS.Signals): number => (sig === 'SIGTERM' ? 143 : 130);
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled !== undefined) {
        console.error(`\n${sig} again: stopping now; checkpoints already written in ${out} are kept`);
        process.exit(exitCodeOf(sig));
      }
      signalled = sig;
      console.error(`\n${sig}: stopping after the current step and writing ${join(out, 'last.safetensors')} (${sig} again to stop at once)`);
      stop.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let started = false;
    try {
      const kind = instances ? 'instances' : 'binary';
      const all = openDataset({ imagesDir: required(c, 'images', v['images']), labelsDir: required(c, 'labels', v['labels']), kind, ...files });
      let trainSet: Dataset = all;
      let valSet: Dataset | undefined;
      const valImages = str(v['val-images']);
      if (valImages !== undefined) {
        valSet = openDataset({ imagesDir: valImages, labelsDir: required(c, 'val-labels', v['val-labels']), kind, ...files });
      } else if (valFraction !== undefined || v['val-names'] !== undefined) {
        const names = str(v['val-names']);
        const split = splitDataset(names !== undefined ? { names: names.split(',').map((n) => n.trim()) } : { fraction: valFraction!, seed })(all);
        trainSet = split.train;
        valSet = split.validation;
      }
      const weightOptions: WeightMapOptions = { w0, sigma, classWeights: choice.right === 'dataset' ? datasetClassWeights(trainSet) : choice.right };
      const cache = weightMapCache(weightOptions);
      const load = loadEntry(trainSet);
      const items = trainSet.entries.map((e) => trainingItem(cache)(load(e)));
      const valEntries = valSet ? valSet.entries.map(loadEntry(valSet)) : [];

      const rt = await createRuntime({ ...(str(v['backend']) ? { backend: str(v['backend'])! } : {}) });
      started = true;
      try {
        const wc = typeof weightOptions.classWeights === 'string' ? weightOptions.classWeights : `${classWeightsFlag === 'dataset' ? 'dataset ' : ''}${weightOptions.classWeights!.map((x) => +x.toFixed(4)).join(',')}`;
        console.log(`training on ${rt.backend}: ${items.length} images, ${valEntries.length} validation; depth ${config.depth}, base ${config.base}, tile ${tile}; ${optimizer.kind} lr ${lr}, ${scheduleName} schedule${warmup > 0 ? `, ${warmup} warm-up steps` : ''}; class weights ${wc}, w0 ${w0}, sigma ${sigma}; select ${select}; seed ${seed}`);
        const bar = progressReporter(process.stdout, undefined, 'steps');
        bar.start('train');
        const logFile = join(out, 'log.jsonl');
        const validate = valEntries.length > 0 ? validator(rt, config, valEntries, { instances, dir: join(out, 'val'), select: select as Selection }) : undefined;
        const extra = resumed?.training ? (JSON.parse(resumed.training.extra) as { best?: number }) : {};
        const result = await runTraining({
          rt, config, items, optimizer, loss, lr, schedule, warmup, steps, seed, tile, outDir: out,
          params: resumed?.params ?? initParams(config, seed),
          names: trainSet.entries.map((e) => e.stem),
          signal: stop.signal,
          accumulate, checkpointEvery, validateEvery,
          ...(minutes !== undefined ? { minutes } : {}),
          ...(validate ? { validate } : {}),
          ...(resumed?.training ? { resume: { state: resumed.training.state, step: resumed.training.step, best: extra.best ?? -Infinity, from: resumeFile! } } : {}),
          onStep: (st) => bar.update({ done: st.step, total: steps, note: `loss ${st.loss.toFixed(4)}` }),
          onValidation: (step, val) => {
            console.log(`\nvalidation at step ${step}: ${Object.entries(val.metrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
            void writeLossChart(logFile, join(out, 'loss.png'));
          },
        });
        bar.finish();
        await writeLossChart(logFile, join(out, 'loss.png'));
        if (result.interrupted && signalled !== undefined) {
          console.error(`${signalled}: stopped at step ${result.steps} of ${steps}; wrote ${result.checkpoint}; continue with --resume ${result.checkpoint} --out ${out}`);
          return exitCodeOf(signalled);
        }
        console.log(`done: ${result.steps} steps, last loss ${result.lastLoss.toFixed(4)}${Number.isFinite(result.best) ? `, best validation ${select} ${Math.abs(result.best).toFixed(4)}` : ''}`);
        console.log(`wrote ${join(out, 'last.safetensors')}${Number.isFinite(result.best) ? `, ${join(out, 'best.safetensors')}` : ''}, ${logFile}, ${join(out, 'loss.png')}`);
        return 0;
      } finally {
        await rt.dispose();
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      lock.release();
      // A run that failed before training (bad data) leaves no empty folder it created.
      if (createdOut && !started) {
        try {
          rmdirSync(out);
        } catch {
          // not empty (or already gone): keep it
        }
      }
    }
  },
};
