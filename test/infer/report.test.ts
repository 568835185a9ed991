import { describe, expect, it } from 'vitest';
import { formatDuration, formatProgress, progressReporter } from '../../src/cli/progress-bar.js';
import { baselineLines, formatTable, reportJson, tableRow } from '../../src/infer/report.js';

describe('progress', () => {
  it('formats the bar, rate and ETA', () => {
    expect(formatProgress(12, 40, 3.87, 8)).toBe('[##      ] 12/40 tiles 3.1 tiles/s ETA 9s');
    expect(formatProgress(0, 40, 0, 4)).toBe('[    ] 0/40 tiles – tiles/s ETA ?');
    expect(formatProgress(40, 40, 10, 4)).toBe('[####] 40/40 tiles 4.0 tiles/s ETA 0s');
    expect([formatDuration(59.4), formatDuration(125), formatDuration(3725)]).toEqual(['59s', '2m05s', '1h02m']);
  });

  it('redraws one line on a terminal, prints about every 10 % otherwise', () => {
    let t = 0;
    const tty: string[] = [];
    const a = progressReporter({ isTTY: true, write: (s) => tty.push(s) }, () => t);
    a.start('img');
    for (let d = 1; d <= 3; d++) (t = d), a.update({ done: d, total: 3 });
    a.finish();
    expect(tty.every((s, i) => (i < 3 ? s.startsWith('\rimg [') : s === '\n'))).toBe(true);
    expect(tty).toHaveLength(4);
    const log: string[] = [];
    const b = progressReporter({ write: (s) => log.push(s) }, () => t);
    b.start('img');
    for (let d = 1; d <= 100; d++) b.update({ done: d, total: 100 });
    b.finish();
    expect(log).toHaveLength(11);
    expect(log.at(-1)).toMatch(/^img \[#+\] 100\/100 tiles .* ETA 0s\n$/);
  });
});

describe('report', () => {
  const ev = {
    images: [
      { name: 'a', pixelError: 0.1, iou: 0.8, dice: 0.9, randError: 0.2, vInfo: 0.7, threshold: 0.5 },
      { name: 'a-very-long-image-name-indeed', pixelError: 0.3, iou: NaN, dice: NaN, randError: 0.4, vInfo: 0.9, threshold: 0.5 },
    ],
    mean: { pixelError: 0.2, iou: 0.8, dice: 0.9, randError: 0.3, vInfo: 0.8 },
  };

  it('prints a row per image and the mean, – for undefined values', () => {
    const lines = formatTable(['pixelError', 'iou', 'randError'], ev).split('\n');
    expect(lines[0]).toBe('image                    pixel err    fg IoU  Rand err');
    expect(lines[2]).toBe('a                           0.1000    0.8000    0.2000');
    expect(lines[3]).toBe('a-very-long-image-name…     0.3000         –    0.4000');
    expect(lines.at(-1)).toBe(tableRow('mean', ['pixelError', 'iou', 'randError'], ev.mean));
    expect(lines.at(-1)).toBe('mean                        0.2000    0.8000    0.3000');
  });

  it('JSON keeps the settings and writes NaN as null', () => {
    const json = JSON.parse(JSON.stringify(reportJson({ tile: 60 }, ev)));
    expect(json.tile).toBe(60);
    expect(json.images[1].iou).toBeNull();
    expect(json.mean.randError).toBe(0.3);
  });

  it('baseline lines: the mean rows, where the model beats the constant on pixel error, what each is', () => {
    const constant = {
      name: 'constant (majority)',
      images: [{ ...ev.images[0]!, pixelError: 0.05 }, { ...ev.images[1]!, pixelError: 0.5 }],
      mean: { pixelError: 0.275, iou: 0, randError: 1 },
    };
    const lines = baselineLines(['pixelError', 'iou', 'randError'], ev, [constant]);
    expect(lines[0]).toBe('constant (majority)         0.2750    0.0000    1.0000');
    expect(lines[1]).toBe('model beats the constant on pixel error in 1 of 2 images (not in: a)');
    expect(lines.slice(2)).toEqual([
      'baselines (from each ground truth, scored as the model):',
      "  constant (majority): every pixel the most frequent class of the image's own ground truth (ties: the lowest class); no constant has a lower pixel error",
    ]);
    // a tie is not a win
    expect(baselineLines(['pixelError'], ev, [{ ...constant, images: [ev.images[0]!, { ...ev.images[1]!, pixelError: 0.9 }] }])[1]).toBe(
      'model beats the constant on pixel error in 1 of 2 images (not in: a)',
    );
    const json = JSON.parse(JSON.stringify(reportJson({ tile: 60 }, ev, [constant])));
    expect(json.baselines[0].images[1].pixelError).toBe(0.5);
    expect(json.baselines[0].name).toBe('constant (majority)');
  });
});
