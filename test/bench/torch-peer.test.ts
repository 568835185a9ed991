/**
 * The PyTorch peer of the bench without PyTorch: the skipped path, the parsing of
 * torch_peer.py's JSON line, the rows and the report, with a stand-in "python" (a shell
 * script that answers the probe and prints canned JSON). Where python3-torch is installed,
 * one more test runs the real script on the quick tiny network and checks that its logits
 * equal unet-ts's.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLogits, modelTarget } from '../../src/bench/model.js';
import { peerPlan, type PeerItem } from '../../src/bench/peers.js';
import { formatReport, peerTable, type BenchReport } from '../../src/bench/report.js';
import { benchTorch, findTorch, parseTorchOutput, PeerError, TORCH_MISSING, TORCH_SCRIPT, torchCandidates } from '../../src/bench/torch-peer.js';
import { median } from '../../src/bench/measure.js';
import { disposeRuntimes, runtimeFor } from '../helpers/backends.js';
import { thrown } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'unet-torch-peer-test-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await disposeRuntimes();
});

const tiny = modelTarget('tiny', true);
const item = (mode: 'forward' | 'train'): PeerItem => ({ peer: 'torch', target: tiny, mode });

/** A stand-in python: `-c …` prints a version; a script run prints `json` and writes FAKE_BYTES zero bytes to --logits. */
const fakePython = (name: string, json: string, exit = 0): string => {
  const file = join(dir, name);
  writeFileSync(
    file,
    `#!/bin/sh
if [ "$1" = "-c" ]; then echo 9.9.9; exit 0; fi
while [ $# -gt 0 ]; do
  if [ "$1" = "--logits" ] && [ -n "\${FAKE_BYTES:-}" ]; then head -c "$FAKE_BYTES" /dev/zero > "$2"; fi
  shift
done
echo 'some warning on stdout first'
echo '${json}'
echo 'torch_peer.py: failure' >&2
exit ${exit}
`,
  );
  chmodSync(file, 0o755);
  return file;
};

const line = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ peer: 'torch', torch: '9.9.9', threads: 2, mode: 'train', firstMs: 900, samplesMs: [400, 420, 410], ...over });

describe('torch peer: finding python3-torch', () => {
  it('no Python with torch: the reason starts with "python3-torch not installed" and names what was tried', () => {
    const r = findTorch(['/nonexistent/python3', '/nonexistent/other']);
    expect(r).toEqual({ error: expect.stringMatching(/^python3-torch not installed \(no 'import torch' in \/nonexistent\/python3, \/nonexistent\/other; apt-get install python3-torch/) });
    expect(TORCH_MISSING).toBe('python3-torch not installed');
  });

  it('UNET_TORCH_PYTHON alone when set, else python3 then /usr/bin/python3; the first that imports torch wins', () => {
    expect(torchCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(torchCandidates({ UNET_TORCH_PYTHON: '/opt/py/bin/python' })).toEqual(['/opt/py/bin/python']);
    expect(torchCandidates({ UNET_TORCH_PYTHON: '' })).toEqual(['python3', '/usr/bin/python3']);
    const fake = fakePython('probe.sh', line());
    expect(findTorch(['/nonexistent/python3', fake])).toEqual({ python: fake, version: '9.9.9' });
  });

  it('the plan: torch forward and training step of tiny and small by default (where tfjs runs), of every preset when asked', () => {
    const targets = (['tiny', 'small', 'paper'] as const).map((p) => modelTarget(p, true));
    const torch = (all: boolean) => peerPlan(targets, all).filter((p) => p.peer === 'torch').map((p) => `${p.target.preset} ${p.mode}`);
    expect(torch(false)).toEqual(['tiny forward', 'tiny train', 'small forward', 'small train']);
    expect(torch(true)).toEqual(['tiny forward', 'tiny train', 'small forward', 'small train', 'paper forward', 'paper train']);
  });
});

describe('torch peer: parsing torch_peer.py output', () => {
  it('reads the last non-empty line', () => {
    expect(parseTorchOutput(`loading…\n${line({ firstLoss: 0.69 })}\n\n`)).toEqual({ torch: '9.9.9', threads: 2, mode: 'train', firstMs: 900, samplesMs: [400, 420, 410], firstLoss: 0.69 });
    expect(parseTorchOutput(line({ mode: 'forward', logitsShape: [1, 2, 4, 4] })).logitsShape).toEqual([1, 2, 4, 4]);
  });

  it('anything else is a PeerError naming the field and what was expected', () => {
    const cases: [string, string][] = [
      ['', 'torch peer: no output (expected one JSON line)'],
      ['Traceback (most recent call last):', 'torch peer: output is not JSON: Traceback (most recent call last):'],
      ['[1, 2]', 'torch peer: output is not a JSON object: [1, 2]'],
      [line({ peer: 'tfjs' }), `torch peer: output field 'peer' is "tfjs"; expected "torch"`],
      [line({ torch: undefined }), `torch peer: output field 'torch' is missing; expected the torch version`],
      [line({ threads: 0 }), `torch peer: output field 'threads' is 0; expected a positive integer`],
      [line({ mode: 'predict' }), `torch peer: output field 'mode' is "predict"; expected "forward" or "train"`],
      [line({ firstMs: -1 }), `torch peer: output field 'firstMs' is -1; expected milliseconds`],
      [line({ samplesMs: [] }), `torch peer: output field 'samplesMs' is []; expected a non-empty list of milliseconds`],
      [line({ samplesMs: [1, 'x'] }), `torch peer: output field 'samplesMs' is [1,"x"]; expected a non-empty list of milliseconds`],
      [line({ mode: 'forward' }), `torch peer: output field 'logitsShape' is missing; expected the logits shape of a forward run`],
      [line({ logitsShape: [1, 0] }), `torch peer: output field 'logitsShape' is [1,0]; expected a list of positive integers`],
      [line({ firstLoss: 'nan' }), `torch peer: output field 'firstLoss' is "nan"; expected a finite number`],
    ];
    for (const [out, message] of cases) {
      const e = thrown(() => parseTorchOutput(out));
      expect(e, out).toBeInstanceOf(PeerError);
      expect((e as Error).message, out).toBe(message);
    }
  });
});

describe('torch peer: rows and report', () => {
  it('a training step: timings and ratio from the JSON line, GFLOP/s of the median', async () => {
    const python = fakePython('train.sh', line());
    const row = await benchTorch({ python, version: '9.9.9' }, item('train'), 3, 200, null);
    expect(row).toMatchObject({ peer: 'torch', preset: 'tiny', mode: 'train', tile: tiny.tile, unetMs: 200, maxAbsDiff: null, version: 'torch 9.9.9, 2 threads' });
    expect(row.timing).toEqual({ firstMs: 900, medianMs: 410, samplesMs: [400, 420, 410] });
    expect(row.ratio).toBe(410 / 200);
    expect(row.gflops).toBeGreaterThan(0);
  });

  it('a forward: the logits file is compared with unet-ts logits (max |Δ|; here against zeros)', async () => {
    const rt = await runtimeFor('cpu');
    const ref = await benchLogits(rt, tiny);
    process.env['FAKE_BYTES'] = String(4 * ref.data.length);
    try {
      const python = fakePython('forward.sh', line({ mode: 'forward', logitsShape: [...ref.shape], samplesMs: [3] }));
      const row = await benchTorch({ python, version: '9.9.9' }, item('forward'), 1, 1.5, ref);
      expect(row.maxAbsDiff).toBe(Math.max(...Array.from(ref.data, Math.abs)));
      expect(row.ratio).toBe(2);
    } finally {
      delete process.env['FAKE_BYTES'];
    }
  });

  it('a failing script, a missing or wrong-sized logits file or the wrong mode is a PeerError quoting the cause', async () => {
    const rt = await runtimeFor('cpu');
    const ref = await benchLogits(rt, tiny);
    const failing = fakePython('failing.sh', line(), 1);
    await expect(benchTorch({ python: failing, version: '9.9.9' }, item('train'), 1, 1, null)).rejects.toThrow(/exited with 1: torch_peer\.py: failure$/);
    const noLogits = fakePython('nologits.sh', line({ mode: 'forward', logitsShape: [1] }));
    await expect(benchTorch({ python: noLogits, version: '9.9.9' }, item('forward'), 1, 1, ref)).rejects.toThrow('torch peer: torch_peer.py wrote no logits file');
    process.env['FAKE_BYTES'] = '8';
    try {
      await expect(benchTorch({ python: noLogits, version: '9.9.9' }, item('forward'), 1, 1, ref)).rejects.toThrow(
        `torch peer: 2 logits (shape [1]), unet-ts has ${ref.data.length} (shape ${JSON.stringify(ref.shape)})`,
      );
    } finally {
      delete process.env['FAKE_BYTES'];
    }
    const wrongMode = fakePython('wrongmode.sh', line({ mode: 'train' }));
    await expect(benchTorch({ python: wrongMode, version: '9.9.9' }, item('forward'), 1, 1, ref)).rejects.toBeInstanceOf(PeerError);
    await expect(benchTorch({ python: wrongMode, version: '9.9.9' }, item('train'), 1, 1, null, join(dir, 'missing.py'))).rejects.toThrow(/missing\.py does not exist$/);
  });

  it('the report: torch rows with the ratio next to the tfjs rows; a skipped row says why', () => {
    const timing = { firstMs: 900, medianMs: 410, samplesMs: [400, 420, 410] };
    const text = peerTable([
      { peer: 'tfjs-cpu', preset: 'tiny', mode: 'train', tile: 252, timing, gflops: 1, ratio: 2.05, unetMs: 200, maxAbsDiff: null },
      { peer: 'torch', preset: 'tiny', mode: 'forward', tile: 252, timing: { ...timing, medianMs: 50 }, gflops: 2, ratio: 0.25, unetMs: 200, maxAbsDiff: 1.5e-6, version: 'torch 1.13.1, 2 threads' },
      { peer: 'torch', preset: 'small', mode: 'train', tile: 572, timing: null, gflops: null, ratio: null, unetMs: null, maxAbsDiff: null, skipped: TORCH_MISSING },
    ]);
    const rows = text.split('\n');
    expect(rows[0]).toMatch(/^peer +preset +mode +first call +median +GFLOP\/s +unet-ts +peer\/unet-ts +max \|Δ logits\|$/);
    expect(rows[2]).toMatch(/^tfjs-cpu +tiny +train +900\.0 ms +410\.0 ms +1\.00 +200\.0 ms +2\.05×$/);
    expect(rows[3]).toMatch(/^torch +tiny +forward +900\.0 ms +50\.0 ms +2\.00 +200\.0 ms +0\.25× +1\.5e-6$/);
    expect(rows[4]).toMatch(/^torch +small +train +– +skipped: python3-torch not installed$/);
    const report = { schema: 'unet-ts-bench/1', date: 'd', machine: { cpu: 'c', cores: 2, memoryGiB: 1, node: 'v20', platform: 'linux', loadStart: [0, 0, 0], loadEnd: [0, 0, 0] }, backend: 'cpu', fallbacks: {}, options: { quick: true, only: 'peers', presets: ['tiny'], reps: 3, steps: 0 }, ops: null, model: null, memory: null, peers: [], notes: [], totalSeconds: 1 } satisfies BenchReport;
    expect(formatReport(report)).toContain('Peers (same architecture and weights; tfjs and onnxruntime in this process, torch in a Python process of its own)');
    expect(median(timing.samplesMs)).toBe(410);
  });
});

const real = findTorch();
describe.skipIf('error' in real)('torch peer with python3-torch installed', () => {
  it('torch_peer.py loads the unet-ts model file with strict=True and its logits equal unet-ts (quick tiny)', async () => {
    if ('error' in real) return;
    const rt = await runtimeFor('cpu');
    const ref = await benchLogits(rt, tiny);
    const fwd = await benchTorch(real, item('forward'), 1, 1, ref, TORCH_SCRIPT);
    expect(fwd.maxAbsDiff).toBeLessThan(1e-4);
    const train = await benchTorch(real, item('train'), 1, 1, null, TORCH_SCRIPT);
    expect(train.timing!.medianMs).toBeGreaterThan(0);
  }, 60_000);
});
