/**
 * The page of `npm run web` (web/index.html): two tabs, segment (segment.ts: a PNG or TIFF
 * through a shipped model, overlay, probability, instances, downloads) and train (train.ts:
 * the tiny U-Net on synthetic cells, live loss chart, held-out overlays), one backend
 * choice for both (runtime.ts). It imports the library's browser entry (src/browser.ts) as
 * a web app imports 'unet-ts'; scripts/web.ts bundles it with esbuild and serves it with
 * the models. `globalThis.unetWeb` holds the last results, for tests and the console.
 */
import { browserBackends } from '../src/browser.js';
import { $ } from './dom.js';
import { initSegment, type SegmentState } from './segment.js';
import { initTrain, type TrainState } from './train.js';

const state: SegmentState & { train: TrainState } = { busy: false, train: { running: false } };
(globalThis as unknown as { unetWeb: typeof state }).unetWeb = state;

const TABS = ['segment', 'train'] as const;
const show = (tab: (typeof TABS)[number]): void => {
  for (const t of TABS) {
    $(`${t}-tab`).hidden = t !== tab;
    $(`tab-${t}`).classList.toggle('active', t === tab);
  }
};
for (const t of TABS) $(`tab-${t}`).addEventListener('click', () => show(t));

initSegment(state);
initTrain(state.train);

void (async () => {
  const { why, adapter } = await browserBackends();
  const can = Object.entries(why).filter(([, w]) => w === undefined).map(([b]) => b);
  $('backends').textContent = `Backends that start here: ${can.join(', ')}${adapter ? ` (WebGPU adapter: ${adapter})` : ''}.`;
  $('status').textContent = 'ready. Drop a PNG or TIFF.';
  $('train-status').textContent = 'ready.';
  document.body.dataset['state'] = 'ready';
})();
