// Runs the terminal client: profile, SDK client, first connection, the Ink app, and the exit code.
import { render } from 'ink';
import WebSocket from 'ws';
import { ParleyClient, ParleyError } from '../shared/client/index.js';
import { App } from './App.js';
import { certificateProblem, webSocketTrusting } from './ca.js';
import { fileStorage, parleyHome, profileFile } from './profile.js';
import type { Target } from './target.js';
import { ThemeContext, colorEnabled } from './theme.js';

export interface RunOptions {
  target: Target;
  /** A PEM certificate to trust for wss:// (--ca). */
  ca?: string;
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  /** Where to say the one sentence when the server can't be reached. */
  printError(line: string): void;
}

/** Resolves with the process exit code: 0 after !exit or Ctrl-C, 1 when the server could not be reached. */
export async function runClient({ target, ca, env = process.env, connectTimeoutMs = 5_000, printError }: RunOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    printError('parley connect needs an interactive terminal (run it directly, not through a pipe).');
    return 2;
  }
  const storage = fileStorage(profileFile(parleyHome(env), target.slug));
  const client = new ParleyClient({
    url: target.url,
    WebSocket: ca ? webSocketTrusting(ca) : WebSocket,
    storage,
    // The profile (mode 0600) keeps the wrap key, so a restarted client reopens the keys without the password.
    keyStorage: storage,
    clientName: 'parley-tui/0.1',
    device: 'terminal',
    connectTimeoutMs,
  });
  // Say what is happening if the server is slow to answer, then wipe the line before the screens draw.
  const progress = setTimeout(() => process.stdout.write(`Connecting to ${target.label}…`), 300);
  const clearProgress = () => {
    clearTimeout(progress);
    process.stdout.write('\r\u001B[2K');
  };
  try {
    await client.connect();
  } catch (error) {
    // Wiped first, or the sentence below would be glued to the end of "Connecting to …".
    clearProgress();
    const certificate = error instanceof ParleyError ? certificateProblem(error.cause) : null;
    printError(
      certificate
        ? `Could not connect to ${target.label}: ${certificate}`
        : `Could not reach a Parley server at ${target.label}; check the address and that the server is running.`,
    );
    return 1;
  }
  clearProgress();
  const exitRef: { current: (() => void) | null } = { current: null };
  const instance = render(
    <ThemeContext.Provider value={{ color: colorEnabled(env) }}>
      <App client={client} label={target.label} exitRef={exitRef} />
    </ThemeContext.Provider>,
    { exitOnCtrlC: false },
  );
  const onSignal = () => exitRef.current?.();
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    await instance.waitUntilExit();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await client.exit();
  }
  return 0;
}
