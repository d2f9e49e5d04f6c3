// Runs the terminal client: profile, SDK client, first connection, the Ink app, and the exit code.
import path from 'node:path';
import { render } from 'ink';
import WebSocket from 'ws';
import { ParleyClient, ParleyError } from '../shared/client/index.js';
import { App } from './app.js';
import { ENTER_TERMINAL, LEAVE_TERMINAL } from './attention.js';
import { certificateProblem, webSocketTrusting } from './ca.js';
import { terminalDeviceName } from './device-name.js';
import { parleyHome } from './profile.js';
import { ProfileBusyError } from './profile-lock.js';
import { Profiles } from './profiles.js';
import { openSearchDb } from './search-db.js';
import type { Target } from './target.js';
import { ThemeContext, colorEnabled } from './theme.js';

interface RunOptions {
  target: Target;
  /** A PEM certificate to trust for wss:// (--ca). */
  ca?: string;
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  /** The saved login to open (--user); by default the one used last on this server. */
  user?: string;
  /** False with --no-bell: no bell when a message arrives (PARLEY_BELL=0 in `env` does the same). */
  bell?: boolean;
  /** Where to say the one sentence when the server can't be reached. */
  printError(line: string): void;
}

/** Resolves with the process exit code: 0 after !exit or Ctrl-C, 1 when the server could not be reached. */
export async function runClient(options: RunOptions): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    options.printError('parley connect needs an interactive terminal (run it directly, not through a pipe).');
    return 2;
  }
  const profiles = new Profiles(parleyHome(options.env), options.target.slug);
  let choice;
  try {
    choice = profiles.start(options.user);
  } catch (error) {
    profiles.close();
    if (!(error instanceof ProfileBusyError)) throw error;
    options.printError(error.message);
    return 1;
  }
  try {
    return await runWithProfiles(options, profiles, choice.busy.length > 0 ? openElsewhere(choice.busy) : null);
  } finally {
    profiles.close();
  }
}

const openElsewhere = (busy: string[]) =>
  `${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} signed in to this server in another parley connect on this computer, so this one starts signed out.`;

async function runWithProfiles(
  { target, ca, env = process.env, connectTimeoutMs = 5_000, printError, bell = true }: RunOptions,
  profiles: Profiles,
  notice: string | null,
): Promise<number> {
  const storage = profiles.storage;
  const client = new ParleyClient({
    url: target.url,
    WebSocket: ca ? webSocketTrusting(ca) : WebSocket,
    storage,
    // The profile (mode 0600) keeps the wrap key, so a restarted client reopens the keys without the password.
    keyStorage: storage,
    // Beside the profile and as private: the search index, sealed with a key only the wrap key opens.
    searchStore: (username) => openSearchDb(path.join(profiles.dir, `${username}.search.db`)),
    clientName: 'parley-tui/0.1',
    device: terminalDeviceName(env),
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
  // The next start opens the profile of whoever signed in last.
  let remembered: string | undefined;
  const rememberSignedIn = () => {
    const me = client.getSnapshot().session?.username;
    if (me === remembered || (me !== undefined && me !== profiles.current)) return;
    remembered = me;
    if (me !== undefined) profiles.remember(me);
  };
  rememberSignedIn();
  const unsubscribe = client.subscribe(rememberSignedIn);
  const claimProfile = (username: string): string | null => {
    try {
      profiles.use(username);
      return null;
    } catch (error) {
      if (error instanceof ProfileBusyError) return error.message;
      throw error;
    }
  };
  const exitRef: { current: (() => void) | null } = { current: null };
  // Undone on every way out, a crash included: a shell left in bracketed paste mode garbles the next paste.
  process.stdout.write(ENTER_TERMINAL);
  const leaveTerminal = () => process.stdout.write(LEAVE_TERMINAL);
  process.once('exit', leaveTerminal);
  const instance = render(
    <ThemeContext.Provider value={{ color: colorEnabled(env) }}>
      <App
        client={client}
        label={target.label}
        exitRef={exitRef}
        notice={notice}
        claimProfile={claimProfile}
        bell={bell && env.PARLEY_BELL !== '0'}
        control={(sequence) => process.stdout.write(sequence)}
      />
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
    process.off('exit', leaveTerminal);
    leaveTerminal();
    unsubscribe();
    await client.exit();
  }
  return 0;
}
