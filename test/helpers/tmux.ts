// A real terminal for end-to-end tests: a detached tmux session per program, driven by send-keys and read by capture-pane.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './server.js';
import { waitFor } from './wait.js';

let counter = 0;

export const tmuxAvailable = (): boolean => spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/** Quotes one word for the shell tmux runs the command with. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * `parley connect 127.0.0.1 PORT` (or `parley connect ARGS…`) from the sources, exactly as a user runs it,
 * with the given environment.
 */
export function connectCommand(port: number | string[], env: Record<string, string>): string {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${sh(v)}`);
  const cli = path.join(ROOT, 'src/cli.ts');
  const args = typeof port === 'number' ? `127.0.0.1 ${port}` : port.map(sh).join(' ');
  // The exit status is printed after the program ends, and the pane stays for the test to read it.
  return `cd ${sh(ROOT)} && env ${vars.join(' ')} ${sh(process.execPath)} --import tsx ${sh(cli)} connect ${args}; echo "[exit status $?]"; sleep 600`;
}

export class Terminal {
  /** Each terminal gets its own tmux server (-L), so tests never share or leak sessions. */
  readonly socket = `parley-e2e-${process.pid}-${++counter}`;
  private readonly target = 'main';

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  static start(command: string, { columns = 80, rows = 24 } = {}): Terminal {
    const terminal = new Terminal();
    terminal.tmux('new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', terminal.target, command);
    return terminal;
  }

  /** Types text literally (no key names). */
  type(text: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', text);
  }

  /** Presses keys by tmux name: Enter, C-c, PPage… */
  press(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.target, ...keys);
  }

  /** Sends raw bytes to the program in one write (tmux send-keys -H): control keys, escape sequences. */
  bytes(data: string): void {
    this.tmux('send-keys', '-t', this.target, '-H', ...[...Buffer.from(data, 'utf8')].map((b) => b.toString(16).padStart(2, '0')));
  }

  /** The pane's title, as the program's escape sequences may have set it. */
  title(): string {
    return this.tmux('display-message', '-p', '-t', this.target, '#{pane_title}').trim();
  }

  /** Whether the program rang the bell (tmux's window bell flag; it stays set in a detached session). */
  rang(): boolean {
    return this.tmux('display-message', '-p', '-t', this.target, '#{window_bell_flag}').trim() === '1';
  }

  /** Pastes text as a terminal does: in bracketed paste markers once the program asked for them (paste-buffer -p). */
  paste(text: string): void {
    execFileSync('tmux', ['-L', this.socket, 'load-buffer', '-b', 'paste', '-'], { input: text });
    this.tmux('paste-buffer', '-p', '-d', '-b', 'paste', '-t', this.target);
  }

  /** tmux's paste buffers: a program's OSC 52 clipboard writes land here once `set-clipboard` is on. */
  buffers(): string {
    return this.tmux('list-buffers');
  }

  /** Sets a tmux server option (for example `set-clipboard on`). */
  option(name: string, value: string): void {
    this.tmux('set-option', '-s', name, value);
  }

  /** Types a line and presses Enter. */
  line(text: string): void {
    this.type(text);
    this.press('Enter');
  }

  /** The visible screen; `joined` undoes the terminal's wrapping of long lines. */
  screen({ escapes = false, joined = false } = {}): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), ...(joined ? ['-J'] : []), '-t', this.target);
  }

  resize(columns: number, rows: number): void {
    this.tmux('resize-window', '-t', this.target, '-x', String(columns), '-y', String(rows));
  }

  async see(expected: string | RegExp, timeoutMs = 15_000): Promise<string> {
    let last = '';
    try {
      return await waitFor(
        () => {
          last = this.screen();
          return (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) && last;
        },
        { timeoutMs, intervalMs: 100, what: String(expected) },
      );
    } catch (error) {
      throw new Error(`Timed out waiting for ${String(expected)}; the terminal shows:\n${last}`, { cause: error });
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
    // tmux leaves its socket file behind after kill-server.
    const dir = process.env.TMUX_TMPDIR || os.tmpdir();
    fs.rmSync(path.join(dir, `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}
