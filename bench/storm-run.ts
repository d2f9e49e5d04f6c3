// `npm run bench:storm`: the reconnect storm of issue 13 against a server it starts (127.0.0.1 only, bounded in time).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_STORM, formatStorm, runStorm, type StormJitter, type StormOptions } from './storm.js';

const USAGE = `npm run bench:storm -- [--users N] [--conversations K] [--jitter sdk|none|both] [--server-root DIR] [--timeout SEC] [--json]

  --users N          users signed in by token who all lose their connection at once (default ${DEFAULT_STORM.users})
  --conversations K  conversations each user starts with random others (default ${DEFAULT_STORM.conversations})
  --jitter           sdk: each waits the SDK's first reconnect delay; none: all at once; both (default)
  --server-root DIR  run the server of another checkout (an older commit) instead of this one
  --timeout SEC      the longest one storm may last (default ${DEFAULT_STORM.timeoutSec})
Each process needs about N + 100 file descriptors: raise \`ulimit -n\` first for large N.`;

function parse(argv: string[]): (StormOptions & { json: boolean }) | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      users: { type: 'string' },
      conversations: { type: 'string' },
      jitter: { type: 'string' },
      'server-root': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const count = (name: string, text: string | undefined, fallback: number, max: number): number => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`);
    return n;
  };
  const jitterText = values.jitter ?? 'both';
  if (!['sdk', 'none', 'both'].includes(jitterText)) throw new Error('--jitter must be sdk, none or both');
  const jitter: StormJitter[] = jitterText === 'both' ? ['sdk', 'none'] : [jitterText as StormJitter];
  return {
    ...DEFAULT_STORM,
    users: count('users', values.users, DEFAULT_STORM.users, 20_000),
    conversations: count('conversations', values.conversations, DEFAULT_STORM.conversations, 50),
    jitter,
    serverRoot: values['server-root'] === undefined ? undefined : resolve(values['server-root']),
    timeoutSec: count('timeout', values.timeout, DEFAULT_STORM.timeoutSec, 3_600),
    json: values.json,
  };
}

async function main(): Promise<void> {
  let options;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === null) {
    console.log(USAGE);
    return;
  }
  let serverPid: number | null = null;
  const giveUp = (why: string, code: number): void => {
    console.error(`bench:storm: ${why}`);
    if (serverPid !== null) process.kill(serverPid, 'SIGKILL');
    process.exit(code);
  };
  // Bounded: seeding and the server's start and stop (300 s), the first sign-in and its quiet (2 limits),
  // and each storm (its limit, and up to 30 s for the server to see the drop).
  const budgetSec = 300 + 2 * options.timeoutSec + options.jitter.length * (options.timeoutSec + 30);
  const watchdog = setTimeout(() => giveUp('gave up: the run took too long', 3), budgetSec * 1_000);
  watchdog.unref();
  process.once('SIGINT', () => giveUp('interrupted', 130));
  process.once('SIGTERM', () => giveUp('terminated', 143));
  const report = await runStorm(options, (line) => console.error(line), (pid) => (serverPid = pid));
  console.log(options.json ? JSON.stringify(report, null, 2) : formatStorm(report));
  // Connections the server dropped may leave timers behind; the report is out.
  process.exit(0);
}

await main();
