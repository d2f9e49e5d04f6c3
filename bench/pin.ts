// Pins processes to CPU cores with taskset, so server and generator do not compete for one core.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export function tasksetAvailable(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why pinning cannot be done here, or null when it can. */
export function pinningProblem(cores: readonly number[]): string | null {
  if (!tasksetAvailable()) return 'taskset is not installed';
  // The machine's cores, not availableParallelism(): that counts only the cores this process may use, which
  // after the generator pinned itself (the first run of a --compare) is one, and every later run went unpinned.
  const n = cpus().length;
  const missing = cores.filter((c) => c >= n);
  if (missing.length > 0) return `core ${missing.join(', ')} does not exist (${n} available)`;
  return null;
}

/** Pins every thread of a running process (-a), so libuv and V8 helper threads stay on the core too. */
export function pinProcess(pid: number, core: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
}
