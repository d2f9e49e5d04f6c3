// Test-only faults that break delivery on purpose, so the crash and property tests can prove their checkers fail.
// They live here, not in the server: a store with a fault is a SqliteStore wrapped or built differently by tests.
import type Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from '../../src/server/store/migrations.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/server/store/sqlite.js';
import type { AppendResultOf, NewMessage } from '../../src/server/store/store.js';

/**
 * `ack-before-commit`: sends are acked while their transaction is still open and committed later,
 * so a crash loses acknowledged messages. `skip-dedupe`: resends are stored again instead of being
 * answered with the original ack. Neither may ever run outside tests.
 */
export const FAULTS = ['ack-before-commit', 'skip-dedupe'] as const;
export type Fault = (typeof FAULTS)[number];

export const FAULTS_VARIABLE = 'PARLEY_TEST_FAULTS';

const isFault = (value: string): value is Fault => (FAULTS as readonly string[]).includes(value);

/** Throws unless the process runs under a test runner (NODE_ENV=test), whatever asked for the faults. */
function assertTestOnly(faults: readonly Fault[], nodeEnv: string | undefined): void {
  if (faults.length > 0 && nodeEnv !== 'test') {
    throw new Error(`${FAULTS_VARIABLE} breaks delivery on purpose and is refused unless NODE_ENV=test; unset it.`);
  }
}

/** Reads PARLEY_TEST_FAULTS (comma or | separated); an unknown name is an error, not ignored. */
export function parseFaults(value: string | undefined, nodeEnv: string | undefined): Fault[] {
  const names = (value ?? '').split(/[,|]/).map((s) => s.trim()).filter(Boolean);
  const faults: Fault[] = [];
  for (const name of names) {
    if (!isFault(name)) throw new Error(`${FAULTS_VARIABLE} names an unknown fault "${name}"; use ${FAULTS.join(' or ')}.`);
    faults.push(name);
  }
  assertTestOnly(faults, nodeEnv);
  return faults;
}

const DEDUPE_KEY = /,\s*UNIQUE \((sender_id, client_msg_id|client_msg_id, sender_id)\)/;

/** The migrations with the (sender, clientMsgId) key removed, so a resend really stores a second copy. */
function withoutDedupeKey(migrations: readonly Migration[]): Migration[] {
  let found = false;
  const changed = migrations.map((step) => {
    if (!DEDUPE_KEY.test(step.sql)) return step;
    found = true;
    return { ...step, sql: step.sql.replace(DEDUPE_KEY, '') };
  });
  // A schema change that moved the key must fail here, not silently leave the fault toothless.
  if (!found) throw new Error('skip-dedupe: the dedupe key is no longer where this fault expects it');
  return changed;
}

/**
 * Keeps one transaction open across group commits and commits it only after `delayMs`, while the
 * acks go out at once: what "ack before commit" looks like, so a crash in between loses acked messages.
 */
class LateCommit {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly delayMs = 300,
  ) {}

  run<T>(work: () => T): T {
    if (!this.db.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.timer = setTimeout(() => this.commit(), this.delayMs);
    }
    return work();
  }

  commit(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
  }
}

/** A SqliteStore whose group commits run inside a transaction that commits later (the store's own commit becomes a savepoint's). */
class AckBeforeCommitStore extends SqliteStore {
  private readonly late = new LateCommit(this.db);

  override appendMessages<M extends NewMessage>(batch: readonly M[]): Promise<AppendResultOf<M>[]> {
    return this.late.run(() => super.appendMessages(batch));
  }

  override async close(): Promise<void> {
    this.late.commit();
    await super.close();
  }
}

/** A SqliteStore with the given faults; throws unless NODE_ENV=test. */
export function faultyStore(options: SqliteStoreOptions, faults: readonly Fault[]): SqliteStore {
  assertTestOnly(faults, process.env.NODE_ENV);
  const migrations = faults.includes('skip-dedupe') ? withoutDedupeKey(options.migrations ?? MIGRATIONS) : options.migrations;
  const Store = faults.includes('ack-before-commit') ? AckBeforeCommitStore : SqliteStore;
  return new Store({ ...options, migrations });
}
