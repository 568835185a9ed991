/**
 * `unet-ts check`: every kernel against its float64 reference and every VJP against the
 * reference VJP and finite differences, at small and paper-size shapes, plus an end-to-end
 * gradient check of a small U-Net, on the chosen backend. Exit 1 on any failure.
 */
import { writeFileSync } from 'node:fs';
import { backendFlag, outFileFlag, parse, str } from '../args.js';
import type { Command } from '../command.js';
import { createRuntime } from '../../runtime/runtime.js';
import { checkOps, type CheckRow } from '../../verify/ops.js';
import { CHECK_NETWORKS, checkNetworkGradient } from '../../verify/network.js';

const usage = `Usage: unet-ts check [--backend NAME] [--small] [--json FILE]

Runs every op's kernels against their float64 references (forward and VJP), the reference
VJPs against central finite differences along random directions, and the gradient of a whole
small U-Net against finite differences. Paper-size shapes (tensors above 2^24 values) are
included unless --small. Prints a table; exits 1 if any check fails.`;

const fmt = (v: number): string => (v === 0 ? '0' : v.toExponential(2));

export const check: Command = {
  name: 'check',
  summary: 'verify every kernel and gradient on a backend against float64 references',
  usage,
  run: async (argv) => {
    const { values } = parse('check', argv, { backend: { type: 'string' }, small: { type: 'boolean' }, json: { type: 'string' } });
    const backend = backendFlag('check', values['backend']);
    const jsonFlag = str(values['json']);
    const json = jsonFlag === undefined ? undefined : outFileFlag('check', jsonFlag, 'json');
    const rt = await createRuntime(backend !== undefined ? { backend } : {});
    try {
      console.log(`backend: ${rt.backend}${rt.resident ? ' (resident: tensors stay on the device; inputs are uploaded, results read back)' : ''}`);
      console.log(`${'op'.padEnd(30)} ${'pass'.padEnd(8)} ${'input'.padEnd(16)} ${'max abs'.padEnd(10)} ${'max rel'.padEnd(10)} ${'tol'.padEnd(8)} result`);
      const line = (r: CheckRow): void =>
        console.log(`${r.op.padEnd(30)} ${r.pass.padEnd(8)} ${r.shape.padEnd(16)} ${fmt(r.absError).padEnd(10)} ${fmt(r.relError).padEnd(10)} ${fmt(r.tolerance).padEnd(8)} ${r.ok ? 'pass' : 'FAIL'}`);
      const rows = [...(await checkOps(rt, { large: values['small'] !== true, onRow: line }))];
      for (const n of CHECK_NETWORKS) {
        const t0 = performance.now();
        const r = await checkNetworkGradient(rt, n.cfg, n.cfg.tile);
        const row: CheckRow = { op: n.label, pass: 'fd', shape: `${r.params} params`, absError: Math.abs(r.fd - r.taped), relError: r.rel, tolerance: 1e-4, ok: r.rel <= 1e-4, seconds: (performance.now() - t0) / 1000 };
        rows.push(row);
        line(row);
      }
      const fallbacks = [...rt.fallbacks()];
      for (const [op, why] of fallbacks) console.log(`warning: ${op} ran on another backend: ${why}`);
      const failed = rows.filter((r) => !r.ok);
      console.log(failed.length === 0 ? `all ${rows.length} checks passed on ${rt.backend}` : `${failed.length} of ${rows.length} checks FAILED on ${rt.backend}`);
      if (json !== undefined) writeFileSync(json, JSON.stringify({ backend: rt.backend, rows, fallbacks }, null, 2));
      return failed.length === 0 && fallbacks.length === 0 ? 0 : 1;
    } finally {
      await rt.dispose();
    }
  },
};
