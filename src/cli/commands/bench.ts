/** `unet-ts bench`: op, whole-model and peer benchmarks; a table on stdout, optionally JSON. */
import { writeFile } from 'node:fs/promises';
import { backendFlag, intIn, outFileFlag, parse, str, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { isPresetName, type PresetName } from '../../unet/config.js';
import { formatReport } from '../../bench/report.js';
import { runBench, type BenchOptions, type Section } from '../../bench/run.js';
import { PEERS, type PeerName } from '../../bench/peers.js';
import { TORCH_THREADS } from '../../bench/torch-peer.js';

const usage = `Usage: unet-ts bench [--json FILE] [--backend NAME] [--quick] [--only ops|model|peers]
                     [--presets tiny,small,paper] [--peers LIST] [--reps N] [--steps N]

Benchmarks, on one backend (batch 1, float32):
  ops    3×3 conv forward, input gradient (dx) and weight gradient (dw) at the paper's
         shapes 64→64 (570²), 512→512 (66²), 1→64 (572²); up-conv 128→64 196²→392² forward
         and VJP; max-pool 64×568²; the loss at 2×388². First call (compile) and the median
         of the further calls, GFLOP/s (a multiply-add = 2 FLOP). dx and dw come from the
         kernel time booked by kernel name inside one VJP call.
  model  inference and one training step (loss + gradients + Adam update) per preset at its
         tile; peak RSS; RSS after --steps training steps of tiny vs after 10 (growth %).
  peers  @tensorflow/tfjs (cpu backend: forward and training step) and
         @tensorflow/tfjs-backend-wasm (forward only: it cannot train) on the same network
         and weights, as a ratio to unet-ts. By default tfjs-cpu runs tiny only and wasm
         tiny and small (tfjs-cpu needs minutes per paper forward); --presets runs them at
         every preset given. Skipped with a message when the packages are not installed.
         onnxruntime-node (forward only, 2 threads, tiny and small; every preset with
         --presets): the engine of segment --engine onnx, one tile through the model's
         ONNX graph; skipped with the install command when the package is missing.
         PyTorch (forward and training step, ${TORCH_THREADS} threads, tiny and small; every preset
         with --presets), when a Python with 'import torch' is found (UNET_TORCH_PYTHON, else
         python3, else /usr/bin/python3; Debian: apt-get install python3-torch): the same
         weights through the model file, run by scripts/bench/torch_peer.py; otherwise
         "skipped: python3-torch not installed". The Python inherits the environment: on a
         machine that is not idle, OMP_WAIT_POLICY=passive keeps torch's 2 OpenMP threads
         from spinning against other work (tiny 252 forward: 26 ms instead of 612 ms at load 6).

Flags:
  --json FILE     also write every number as JSON
  --backend NAME  webgpu|headlessgl|webasm|cpu|auto (default: UNET_BACKEND, else auto)
  --quick         small shapes and the smallest tiles: a smoke run of seconds
  --only SECTION  ops, model or peers
  --presets LIST  comma-separated presets for model and peers (default tiny,small,paper;
                  with --quick: tiny)
  --peers LIST    comma-separated peers to run (default all: ${PEERS.join(',')})
  --reps N        timed calls after the first, median reported (default 3, at least 1)
  --steps N       training steps of the memory-growth run (default 200; --quick 12; 0 skips)

Progress lines go to stderr. Timings depend on machine load: the table shows the load
average at the start and end of the run.`;

const SECTIONS: readonly Section[] = ['ops', 'model', 'peers'];
const isSection = (s: string): s is Section => (SECTIONS as readonly string[]).includes(s);

/** Parses the flags into bench options and the JSON path. */
export const benchOptions = (argv: readonly string[]): { readonly options: BenchOptions; readonly json: string | undefined } => {
  const s = { type: 'string' } as const;
  const { values: v } = parse('bench', argv, { json: s, backend: s, quick: { type: 'boolean' }, only: s, presets: s, peers: s, reps: s, steps: s });
  const quick = v['quick'] === true;
  const only = str(v['only']);
  if (only !== undefined && !isSection(only)) throw new UsageError(`bench: --only ${only}: expected one of ${SECTIONS.join(', ')}`);
  const list = str(v['presets']);
  const presets: PresetName[] = [];
  for (const p of (list ?? (quick ? 'tiny' : 'tiny,small,paper')).split(',').map((x) => x.trim()).filter((x) => x !== '')) {
    if (!isPresetName(p)) throw new UsageError(`bench: --presets: unknown preset '${p}' (expected tiny, small or paper)`);
    if (!presets.includes(p)) presets.push(p);
  }
  if (presets.length === 0) throw new UsageError('bench: --presets: no preset given');
  const peerList = str(v['peers']);
  const peers = peerList?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  for (const p of peers ?? []) if (!(PEERS as readonly string[]).includes(p)) throw new UsageError(`bench: --peers: unknown peer '${p}' (expected ${PEERS.join(', ')})`);
  if (peers?.length === 0) throw new UsageError('bench: --peers: no peer given');
  const reps = intIn('bench', 'reps', v['reps'], { min: 1, max: 1000 }, 3);
  const steps = intIn('bench', 'steps', v['steps'], { min: 0, max: 100_000 }, quick ? 12 : 200);
  const backend = backendFlag('bench', v['backend']);
  const json = str(v['json']);
  return {
    options: {
      quick,
      presets,
      presetsExplicit: list !== undefined,
      reps,
      steps,
      ...(only === undefined ? {} : { only }),
      ...(peers === undefined ? {} : { peers: peers as PeerName[] }),
      ...(backend === undefined ? {} : { backend }),
    },
    json: json === undefined ? undefined : outFileFlag('bench', json, 'json'),
  };
};

export const bench: Command = {
  name: 'bench',
  summary: 'benchmarks: ops at paper shapes, whole model per preset, tfjs and PyTorch peers',
  usage,
  run: async (argv) => {
    const { options, json } = benchOptions(argv);
    const report = await runBench(options);
    console.log(formatReport(report));
    if (json !== undefined) {
      await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
      console.error(`bench: wrote ${json}`);
    }
    return 0;
  },
};
