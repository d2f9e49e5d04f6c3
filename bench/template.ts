// A data folder with the run's accounts already registered, made once per server program and schema and
// copied into each run: 1,000 registrations are 1,000 argon2id hashes, a minute or more on this machine.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountBook, ensureAccounts } from './accounts.js';
import { registrationKeys } from './keys.js';
import { REPO_ROOT, startServer } from './server.js';

/** Account names in a template; the bench's users are the first ones. */
export const TEMPLATE_PREFIX = 'bench';
const READY = 'template-ready';

export const accountNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-u${i}`);

/** The files whose change makes an old template unusable: the schema, and the prototype's own table. */
function templateKey(program: 'parley' | 'bare', accounts: number, keyed: boolean): string {
  const hash = createHash('sha256');
  const files = program === 'bare' ? ['bench/bare-server.ts'] : ['src/server/store/migrations.ts', 'src/server/passwords.ts'];
  for (const file of keyed ? [...files, 'bench/keys.ts'] : files) hash.update(readFileSync(join(REPO_ROOT, file)));
  return `${program}${keyed ? '-keys' : ''}-${accounts}-${hash.digest('hex').slice(0, 12)}`;
}

export interface RunDataFolder {
  dir: string;
  /** Made now (seconds spent registering) or copied from an earlier run's template (0). */
  registeredNow: number;
  registerSeconds: number;
  remove(): void;
}

/**
 * A fresh copy of the template for `program` with `accounts` registered (made first if missing); the
 * account book (names, password, tokens) is inside it, so AccountBook.inDataDir reads it.
 */
export async function runDataFolder(
  program: 'parley' | 'bare',
  accounts: number,
  registerConcurrency: number,
  log: (line: string) => void,
  /** Told the template server's pid while it runs, so an emergency exit can kill it. */
  onServerPid: (pid: number | null) => void = () => {},
  root = join(tmpdir(), 'parley-bench-templates'),
  /** Accounts with end-to-end keys (bench/keys.ts), as group members need; a template of its own. */
  keyed = false,
): Promise<RunDataFolder> {
  const template = join(root, templateKey(program, accounts, keyed));
  let registeredNow = 0;
  let registerSeconds = 0;
  if (!existsSync(join(template, READY))) {
    log(`registering ${accounts} accounts into a template data folder (once; later runs copy it)…`);
    const making = `${template}.making-${process.pid}`;
    rmSync(making, { recursive: true, force: true });
    // Not pinned: registration is argon2id on the thread pool, and both cores make it twice as quick.
    const server = await startServer({ core: null, dataDir: making, cpuProfDir: null, extraArgs: [], program });
    onServerPid(server.pid);
    try {
      const book = AccountBook.inDataDir(making);
      const result = await ensureAccounts(server.url, accountNames(TEMPLATE_PREFIX, accounts), book, Math.max(registerConcurrency, 2), 'batched', keyed ? registrationKeys : null);
      registeredNow = result.registered;
      registerSeconds = result.seconds;
    } finally {
      // A clean stop checkpoints the WAL into the database file.
      await server.stop();
      onServerPid(null);
    }
    writeFileSync(join(making, READY), new Date().toISOString());
    rmSync(template, { recursive: true, force: true });
    renameSync(making, template);
  }
  const dir = join(mkdtempSync(join(tmpdir(), 'parley-bench-data-')), 'data');
  cpSync(template, dir, { recursive: true });
  rmSync(join(dir, READY));
  return { dir, registeredNow, registerSeconds, remove: () => rmSync(join(dir, '..'), { recursive: true, force: true }) };
}
