/**
 * Self time by function in V8 .cpuprofile files (node --cpu-prof writes one per thread:
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, thread 0 = main):
 *
 *   npx tsx scripts/profile/cpuprofile-top.ts scratch/prof/*.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const top = Number(process.env['TOP'] ?? 25);
for (const file of process.argv.slice(2)) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const frame = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i + 1] ?? 0; // the delta after a sample is the time it stands for
    const f = frame.get(id);
    const key = f ? `${f.functionName || '(anonymous)'} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim() : '?';
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  console.log(`\n${basename(file)}: ${(total / 1e6).toFixed(2)} s sampled`);
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1e6).toFixed(3).padStart(8)} s ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
}
