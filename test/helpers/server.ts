// Disposable Parley servers for tests: in-process on port 0, or the real CLI as a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { databaseFile, defaultConfig, type ServerConfig } from '../../src/server/config.js';
import { createLogger } from '../../src/server/log.js';
import { ALLOCATOR_TUNABLE, NODE_MEMORY_FLAGS } from '../../src/server/memory.js';
import { createServer, type ParleyServer } from '../../src/server/server.js';
import type { Store } from '../../src/server/store/store.js';
import { bundledCli } from './bundle.js';
import { type Fault, faultyStore } from './faults.js';
import { tempDir } from './temp.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export { tempDir } from './temp.js';

export interface TestServer {
  /** ws://127.0.0.1:PORT/ws */
  url: string;
  httpUrl: string;
  port: number;
  dataDir: string;
  /** Every log line the server wrote, as text. */
  logs: string[];
  server: ParleyServer;
  close(): Promise<void>;
}

export async function startServer(
  options: {
    dataDir?: string;
    config?: Partial<ServerConfig>;
    /** Test-only faults of the store (./faults.ts). */
    faults?: readonly Fault[];
    /** Another store than the SQLite file in the data folder (a PostgresStore); the server closes it. */
    store?: Store;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  // Rate limits are off unless a test asks for them: most tests send faster than a person types. Protocol tests
  // speak raw frames with readable bodies, so unencrypted accounts and messages are allowed unless a test says not.
  const config = defaultConfig({ host: '127.0.0.1', port: 0, dataDir, rateLimits: false, allowUnencrypted: true, ...options.config });
  const store = options.store ?? (options.faults ? faultyStore({ file: databaseFile(config), durability: config.durability }, options.faults) : undefined);
  const server = createServer({ config, log: createLogger({ level: 'debug', destination }), store });
  const { port } = await server.listen();
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    logs,
    server,
    close: () => server.close(),
  };
}

/** A port that was free a moment ago, for servers that must restart on the same port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface SpawnedServer {
  url: string;
  httpUrl: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /** Starts a new server process on the same port and data folder. */
  restart(): Promise<SpawnedServer>;
}

/**
 * Runs `parley server` from the sources (through tsx) exactly as a user would, and waits for its banner. With
 * `faults`, the same command over a store with those test-only faults (./faulty-server.ts).
 */
export async function spawnServer(
  options: {
    dataDir?: string;
    port?: number;
    args?: string[];
    env?: Record<string, string>;
    /** Run the CLI bundled by esbuild instead of through tsx: starts twice as fast, for tests that restart a lot. */
    bundled?: boolean;
    /** Start the process with this limit on open files (through prlimit), for tests at the descriptor limit. */
    fileLimit?: number;
    /** PARLEY_TEST_FAULTS for ./faulty-server.ts, e.g. 'skip-dedupe'. */
    faults?: string;
  } = {},
): Promise<SpawnedServer> {
  const dataDir = options.dataDir ?? tempDir();
  const port = options.port ?? (await freePort());
  // With the memory settings the `parley` command and `npm start` give Node.
  const main = options.faults === undefined ? 'src/cli.ts' : 'test/helpers/faulty-server.ts';
  const entry = [...NODE_MEMORY_FLAGS, ...(options.bundled ? [await bundledCli(ROOT, main)] : ['--import', 'tsx', path.join(ROOT, main)])];
  const args = [...entry, 'server', '--host', '127.0.0.1', '--port', String(port), '--data', dataDir, '--log-level', 'warn', ...(options.args ?? [])];
  const faults = options.faults === undefined ? {} : { PARLEY_TEST_FAULTS: options.faults };
  const env = { ...process.env, GLIBC_TUNABLES: ALLOCATOR_TUNABLE, ...faults, ...options.env };
  // prlimit execs node in its own process, so the child's pid is the server's.
  const [command, ...prefix] = options.fileLimit ? ['prlimit', `--nofile=${options.fileLimit}:${options.fileLimit}`, process.execPath] : [process.execPath];
  const child = spawn(command!, [...prefix, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s:\n${output}`)), 20_000);
    const check = () => {
      if (output.includes('Parley server is running')) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${output}`));
    });
  });
  const spawned: SpawnedServer = {
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    process: child,
    output: () => output,
    exited,
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    restart: () => spawnServer({ ...options, dataDir, port }),
  };
  return spawned;
}
