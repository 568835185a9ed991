import { execFileSync } from 'node:child_process';

/** The pid of a process that has exited (pids are not reused that fast). */
export const deadPid = (): number => Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
