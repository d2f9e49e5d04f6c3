// Runs a `parley` command as a child process, without blocking the test's event loop (servers and clients keep going).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { bundledCli } from './bundle.js';
import { ROOT } from './server.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runParley(args: string[], options: { bundled?: boolean; timeoutMs?: number } = {}): Promise<CliRun> {
  const entry = options.bundled ? [await bundledCli(ROOT)] : ['--import', 'tsx', path.join(ROOT, 'src/cli.ts')];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`parley ${args.join(' ')} did not finish within ${options.timeoutMs ?? 20_000} ms:\n${stdout}${stderr}`));
    }, options.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
