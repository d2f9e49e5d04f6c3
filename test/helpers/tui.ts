// Shared set-up for the terminal client's end-to-end tests: a real server, tmux terminals, cleanup.
import fs from 'node:fs';
import { afterEach } from 'vitest';
import { Terminal, connectCommand, tmuxAvailable } from './tmux.js';
import { spawnServer, tempDir, type SpawnedServer } from './server.js';

/** tmux decides whether the suite runs; in CI a missing tmux is a failure, not a skip. */
function requireTmux(): { run: boolean; title: (name: string) => string } {
  const run = tmuxAvailable();
  if (!run && process.env.CI === 'true') throw new Error('tmux is required for the terminal client tests in CI');
  return { run, title: (name) => (run ? name : `${name} (skipped: tmux is not installed)`) };
}

/** How a terminal is started: its profile folder (a new one unless given), extra environment, its size. */
interface ConnectOptions {
  home?: string;
  env?: Record<string, string>;
  columns?: number;
  rows?: number;
}

class Terminals {
  private readonly open: Terminal[] = [];
  private readonly homes: string[] = [];

  /** A new `parley connect` (to 127.0.0.1:port, or with these arguments) in its own 80×24 terminal, with its own profile folder unless one is given. */
  connect(port: number | string[], options: ConnectOptions = {}) {
    const home = options.home ?? this.home();
    const terminal = Terminal.start(connectCommand(port, { PARLEY_HOME: home, ...options.env }), options);
    this.open.push(terminal);
    return Object.assign(terminal, { home });
  }

  home(): string {
    const dir = tempDir('parley-home-');
    this.homes.push(dir);
    return dir;
  }

  closeAll(): void {
    for (const terminal of this.open.splice(0)) terminal.kill();
    for (const dir of this.homes.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What every terminal test file sets up: tmux (or why not), and the terminals and servers its tests
 * start, closed and killed after each test. A server a test gets some other way (a restarted one)
 * is handed to `track` for the same.
 */
export function terminalSuite() {
  const tmux = requireTmux();
  const terminals = new Terminals();
  const servers: SpawnedServer[] = [];
  afterEach(async () => {
    terminals.closeAll();
    for (const server of servers.splice(0)) await server.kill('SIGKILL');
  });
  const track = (server: SpawnedServer): SpawnedServer => (servers.push(server), server);
  return {
    tmux,
    terminals,
    track,
    spawnServer: async (options?: Parameters<typeof spawnServer>[0]) => track(await spawnServer(options)),
    /**
     * A fresh server and two terminals, alice and bob (started with `bob`'s options), each registered and
     * on the menu. Both start before either registers: a start is the slow part.
     */
    aliceAndBob: async (options: { bob?: ConnectOptions } = {}) => {
      const server = track(await spawnServer());
      const alice = terminals.connect(server.port);
      const bob = terminals.connect(server.port, options.bob);
      await register(alice, 'alice');
      await register(bob, 'bob');
      return { server, alice, bob };
    },
    /** A new terminal on the menu as `username`, a new account. */
    registered: async (port: number | string[], username: string, options?: ConnectOptions) => {
      const terminal = terminals.connect(port, options);
      await register(terminal, username);
      return terminal;
    },
  };
}

/** A cold start loads the client through tsx, which is slow on a busy machine. */
export const START_TIMEOUT_MS = 30_000;

/** From the first page of a terminal just started: chooses login or register and types the username. */
export async function typeUsername(terminal: Terminal, mode: 'login' | 'register', username: string): Promise<void> {
  await terminal.see('Type login or register', START_TIMEOUT_MS);
  terminal.line(mode);
  await terminal.see('Username:');
  terminal.line(username);
}

/** Registers through the welcome screen and waits for the menu. */
export async function register(terminal: Terminal, username: string, password = 'correct horse'): Promise<void> {
  await typeUsername(terminal, 'register', username);
  await terminal.see('Password:');
  terminal.line(password);
  await terminal.see('Password again:');
  terminal.line(password);
  await terminal.see(`${username} (you)`);
}

/** Logs in through the welcome screen and waits for the menu. */
export async function login(terminal: Terminal, username: string, password = 'correct horse'): Promise<void> {
  await typeUsername(terminal, 'login', username);
  await terminal.see('Password:');
  terminal.line(password);
  await terminal.see(`${username} (you)`);
}

/** Types a username in the menu and waits for the chat with them. */
export async function openChat(terminal: Terminal, peer: string): Promise<void> {
  terminal.line(peer);
  await terminal.see(`Chat with ${peer}`);
}
