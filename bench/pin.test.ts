// Pinning must keep working after the generator pinned itself: --compare runs several benches in one process.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { expect, test } from 'vitest';
import { pinningProblem, tasksetAvailable } from './pin.js';

const canPin = tasksetAvailable() && cpus().length >= 2;

test.skipIf(!canPin)('a process pinned to one core still finds both cores free to pin the next run to', () => {
  const script = `
    import { pinningProblem, pinProcess } from './bench/pin.ts';
    pinProcess(process.pid, 1);
    console.log(JSON.stringify(pinningProblem([0, 1])));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(JSON.parse(out.trim())).toBeNull();
});

test('a core the machine does not have is refused, with the count it has', () => {
  expect(pinningProblem([cpus().length + 3])).toMatch(tasksetAvailable() ? /does not exist/ : /taskset/);
});
