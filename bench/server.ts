// Starts a Parley server for a benchmark run: free loopback port, data folder, optional pinning and CPU profile.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATOR_TUNABLE, NODE_MEMORY_FLAGS } from '../src/server/memory.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface OwnServer {
  url: string;
  pid: number;
  dataDir: string;
  logFile: string;
  /** The last lines the server printed, for error reports. */
  logTail(): string;
  stop(): Promise<void>;
}

interface ServerStartOptions {
  /** Pin to this core with taskset, or null. */
  core: number | null;
  /** Keep the data here; null makes (and later removes) a temporary folder. */
  dataDir: string | null;
  cpuProfDir: string | null;
  extraArgs: readonly string[];
  startTimeoutMs?: number;
  /** 'bare': the calibration prototype (bench/bare-server.ts) instead of Parley. */
  program?: 'parley' | 'bare';
  /** Run the Parley server of another checkout (an older commit, for before/after); default this one. */
  root?: string;
  /** More environment for the server (a database password: kept off its command line, where `ps` shows it). */
  env?: Readonly<Record<string, string>>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/** Newest modification time of the TypeScript files under a folder, in ms. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The compiled server `npm start` runs (dist/cli.js), when it is at least as new as the sources; null
 * otherwise, and the server then runs from src through tsx (slower: on-the-fly transforms add helpers).
 */
export function builtServer(root = REPO_ROOT): string | null {
  const cli = join(root, 'dist/cli.js');
  let builtAt: number;
  try {
    builtAt = statSync(cli).mtimeMs;
  } catch {
    return null;
  }
  const sources = ['src/server', 'src/shared'].map((d) => newestSource(join(root, d)));
  return Math.max(statSync(join(root, 'src/cli.ts')).mtimeMs, ...sources) <= builtAt ? cli : null;
}

export async function startServer(options: ServerStartOptions): Promise<OwnServer> {
  const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const dataDir = options.dataDir ?? join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  // With --data the log stays beside the data, for a look after the run.
  const logFile = join(options.dataDir ?? workDir, 'server.log');
  const port = await freePort();

  const bare = options.program === 'bare';
  const root = options.root ?? REPO_ROOT;
  const built = bare ? null : builtServer(root);
  // Parley as `npm start` runs it: with the memory settings its launchers give it (the prototype without).
  const nodeArgs = [...(bare ? [] : NODE_MEMORY_FLAGS), ...(built ? [] : ['--import', 'tsx'])];
  if (options.cpuProfDir !== null) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', resolve(options.cpuProfDir));
  }
  const parleyArgs = [built ?? join(root, 'src/cli.ts'), 'server', '--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--log-level', 'warn',
    // A load test measures the relay, not the abuse limits: its users register from one address and send flat out.
    // All of them connect from 127.0.0.1, so the per-address connection limit is off too.
    // Its accounts have no end-to-end keys and its bodies are random text (the server cannot tell either way).
    // Frames per connection are still counted (that is on the send path) under a rate no run reaches.
    '--registrations-per-hour', '0', '--message-rate', '0', '--max-connections-per-address', '0', '--allow-unencrypted',
    '--requests-per-second', '1000000', ...options.extraArgs];
  const serverArgs = bare ? [join(REPO_ROOT, 'bench/bare-server.ts'), String(port), dataDir] : parleyArgs;
  const [command, args] =
    options.core === null
      ? [process.execPath, [...nodeArgs, ...serverArgs]]
      : ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs, ...serverArgs]];

  const logFd = openSync(logFile, 'a');
  // taskset execs node, so the child's pid is the server's pid.
  const child: ChildProcess = spawn(command as string, args as string[], {
    cwd: root,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, NODE_ENV: 'production', ...(bare ? {} : { GLIBC_TUNABLES: ALLOCATOR_TUNABLE }), ...options.env },
  });
  closeSync(logFd);
  let exited = false;
  const exitedPromise = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));

  const logTail = (): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  };

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    // The work folder holds the log and, unless --data was given, the data folder.
    rmSync(workDir, { recursive: true, force: true });
  };

  const deadline = performance.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await canConnect(port))) {
    if (exited || performance.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`the server did not start listening on 127.0.0.1:${port}${exited ? ' (it exited)' : ''}\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.pid === undefined) throw new Error('the server has no pid');
  return { url: `ws://127.0.0.1:${port}/ws`, pid: child.pid, dataDir, logFile, logTail, stop };
}
