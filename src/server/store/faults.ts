// The SQLite side of the test-only fault switches (see ../faults.ts): a schema without the dedupe key, and late commits.
import type Database from 'better-sqlite3';
import type { Migration } from './migrations.js';

const DEDUPE_KEY = /,\s*UNIQUE \((sender_id, client_msg_id|client_msg_id, sender_id)\)/;

/** The migrations with the (sender, clientMsgId) key removed, so a skipped dedupe really stores a second copy. */
export function withoutDedupeKey(migrations: readonly Migration[]): Migration[] {
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
export class LateCommit {
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
