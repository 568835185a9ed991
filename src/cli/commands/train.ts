/** `unet-ts train`: train a U-Net on a folder of images and labels (paper Sec. 3). */
import { join } from 'node:path';
import { intFlag, numFlag, parse, required, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { configFromFlags } from '../model-source.js';
import { progressReporter } from '../progress-bar.js';
import { createRuntime } from '../../runtime/runtime.js';
import { loadEntry, openDataset, splitDataset, trainingItem, type Dataset } from '../../data/dataset.js';
import { weightMapCache } from '../../data/weight-map.js';
import { initParams } from '../../unet/params.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { adam, sgd, type OptimizerConfig } from '../../train/optim.js';
import type { Schedule } from '../../train/schedule.js';
import { train as runTraining } from '../../train/trainer.js';
import { validator } from '../../train/validation.js';
import { writeLossChart } from '../../train/loss-chart.js';

const usage = `Usage: unet-ts train --images DIR --labels DIR [--instances]
         [--val-images DIR --val-labels DIR | --val-fraction F | --val-names A,B,...]
         [--preset paper|small|tiny | --config FILE] [--tile N]
         [--steps N] [--minutes M] [--optimizer sgd|adam] [--lr X] [--momentum M]
         [--weight-decay L] [--schedule constant|step|poly] [--accumulate K] [--loss ce|dice+ce]
         [--val-every N] [--checkpoint-every N] [--seed N] [--backend NAME]
         [--resume FILE] --out DIR

Trains with the paper's weighted pixel-wise softmax cross-entropy (Eq. 1) and border
weight maps (Eq. 2), elastic/shift/rotation/gray-value augmentation, batch 1 on large tiles.
Defaults: --loss ce (Eq. 1; dice+ce adds a soft Dice loss), --steps 1000, --optimizer sgd (momentum 0.99, lr 0.01; adam: lr 0.001),
--schedule constant, --val-every 100, --checkpoint-every 50, --seed 0.
Writes DIR/last.safetensors, DIR/best.safetensors (best validation IoU), DIR/log.jsonl,
DIR/loss.png and DIR/val/<image>_overlay.png. --resume continues a run from its
last.safetensors so that the final weights equal those of an uninterrupted run.`;

const schedules = ['constant', 'step', 'poly'] as const;

export const train: Command = {
  name: 'train',
  summary: 'train a U-Net on folders of images and labels',
  usage,
  run: async (argv) => {
    const s = (type: 'string' | 'boolean') => ({ type });
    const { values: v } = parse('train', argv, {
      images: s('string'), labels: s('string'), instances: s('boolean'), 'val-images': s('string'), 'val-labels': s('string'),
      'val-fraction': s('string'), 'val-names': s('string'), preset: s('string'), config: s('string'), tile: s('string'),
      steps: s('string'), minutes: s('string'), optimizer: s('string'), lr: s('string'), momentum: s('string'),
      'weight-decay': s('string'), schedule: s('string'), accumulate: s('string'), 'val-every': s('string'),
      'checkpoint-every': s('string'), loss: s('string'), seed: s('string'), backend: s('string'), resume: s('string'), out: s('string'),
    });
    const c = 'train';
    const out = required(c, 'out', v['out']);
    const instances = v['instances'] === true;
    const resumeFile = str(v['resume']);
    const resumed = resumeFile ? await loadCheckpoint(resumeFile) : undefined;
    if (resumed && !resumed.training) throw new Error(`${resumeFile}: has no optimizer state; --resume needs a training checkpoint (last.safetensors)`);
    const config = resumed?.config ?? configFromFlags(c, str(v['preset']), str(v['config']), 'small');
    const tile = intFlag(c, 'tile', v['tile'], config.tile)!;
    const optName = str(v['optimizer']) ?? resumed?.training?.optimizer.kind ?? 'sgd';
    if (optName !== 'sgd' && optName !== 'adam') throw new UsageError(`train: --optimizer ${optName}; expected sgd or adam`);
    const wd = numFlag(c, 'weight-decay', v['weight-decay'], 0)!;
    const optimizer: OptimizerConfig = resumed?.training?.optimizer ?? (optName === 'sgd' ? sgd(numFlag(c, 'momentum', v['momentum'], 0.99)!, wd) : adam(wd));
    const lr = numFlag(c, 'lr', v['lr'], optimizer.kind === 'sgd' ? 0.01 : 0.001)!;
    const steps = intFlag(c, 'steps', v['steps'], 1000)!;
    const scheduleName = str(v['schedule']) ?? 'constant';
    if (!(schedules as readonly string[]).includes(scheduleName)) throw new UsageError(`train: --schedule ${scheduleName}; expected ${schedules.join(', ')}`);
    const schedule: Schedule =
      scheduleName === 'step' ? { kind: 'step', every: Math.max(1, Math.round(steps / 3)), gamma: 0.1 } : scheduleName === 'poly' ? { kind: 'poly', total: steps, power: 0.9 } : { kind: 'constant' };
    const seed = resumed?.training?.seed ?? intFlag(c, 'seed', v['seed'], 0)!;
    const minutes = numFlag(c, 'minutes', v['minutes']);
    const loss = str(v['loss']) ?? 'ce';
    if (loss !== 'ce' && loss !== 'dice+ce') throw new UsageError(`train: --loss ${loss}; expected ce or dice+ce`);

    const kind = instances ? 'instances' : 'binary';
    const all = openDataset({ imagesDir: required(c, 'images', v['images']), labelsDir: required(c, 'labels', v['labels']), kind });
    let trainSet: Dataset = all;
    let valSet: Dataset | undefined;
    const valImages = str(v['val-images']);
    if (valImages !== undefined) {
      valSet = openDataset({ imagesDir: valImages, labelsDir: required(c, 'val-labels', v['val-labels']), kind });
    } else if (v['val-fraction'] !== undefined || v['val-names'] !== undefined) {
      const names = str(v['val-names']);
      const split = splitDataset(names !== undefined ? { names: names.split(',').map((n) => n.trim()) } : { fraction: numFlag(c, 'val-fraction', v['val-fraction'])!, seed })(all);
      trainSet = split.train;
      valSet = split.validation;
    }
    const cache = weightMapCache();
    const load = loadEntry(trainSet);
    const items = trainSet.entries.map((e) => trainingItem(cache)(load(e)));
    const valEntries = valSet ? valSet.entries.map(loadEntry(valSet)) : [];

    const rt = await createRuntime({ ...(str(v['backend']) ? { backend: str(v['backend'])! } : {}) });
    try {
      console.log(`training on ${rt.backend}: ${items.length} images, ${valEntries.length} validation; depth ${config.depth}, base ${config.base}, tile ${tile}; ${optimizer.kind} lr ${lr}; seed ${seed}`);
      const bar = progressReporter(process.stdout, undefined, 'steps');
      bar.start('train');
      const logFile = join(out, 'log.jsonl');
      const validate = valEntries.length > 0 ? validator(rt, config, valEntries, { instances, dir: join(out, 'val'), tile: Math.max(tile, config.tile) }) : undefined;
      const extra = resumed?.training ? (JSON.parse(resumed.training.extra) as { best?: number }) : {};
      const result = await runTraining({
        rt, config, items, optimizer, loss, lr, schedule, steps, seed, tile, outDir: out,
        params: resumed?.params ?? initParams(config, seed),
        accumulate: intFlag(c, 'accumulate', v['accumulate'], 1)!,
        checkpointEvery: intFlag(c, 'checkpoint-every', v['checkpoint-every'], 50)!,
        validateEvery: intFlag(c, 'val-every', v['val-every'], 100)!,
        ...(minutes !== undefined ? { minutes } : {}),
        ...(validate ? { validate } : {}),
        ...(resumed?.training ? { resume: { state: resumed.training.state, step: resumed.training.step, best: extra.best ?? -Infinity } } : {}),
        onStep: (st) => bar.update({ done: st.step, total: steps, note: `loss ${st.loss.toFixed(4)}` }),
        onValidation: (step, val) => {
          console.log(`\nvalidation at step ${step}: ${Object.entries(val.metrics).map(([k, x]) => `${k} ${x.toFixed(4)}`).join(', ')}`);
          void writeLossChart(logFile, join(out, 'loss.png'));
        },
      });
      bar.finish();
      await writeLossChart(logFile, join(out, 'loss.png'));
      console.log(`done: ${result.steps} steps, last loss ${result.lastLoss.toFixed(4)}${Number.isFinite(result.best) ? `, best validation IoU ${result.best.toFixed(4)}` : ''}`);
      console.log(`wrote ${join(out, 'last.safetensors')}${Number.isFinite(result.best) ? `, ${join(out, 'best.safetensors')}` : ''}, ${logFile}, ${join(out, 'loss.png')}`);
      return 0;
    } finally {
      await rt.dispose();
    }
  },
};
