// A consistent copy of the SQLite database while the server keeps running: VACUUM INTO from a read-only connection.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface BackupResult {
  file: string;
  bytes: number;
  users: number;
  messages: number;
}

/**
 * In WAL mode a read transaction sees one commit and ignores later ones, so VACUUM INTO writes a snapshot
 * of that moment while the server goes on committing (the online backup API would restart on every
 * write from the server's connection and might never finish under load). The copy is written beside the
 * target and renamed into place once it passes an integrity check, so FILE is never a half-written backup.
 */
export function backupDatabase(source: string, target: string): BackupResult {
  if (!fs.existsSync(source)) throw new Error(`There is no database at ${source}; check --data.`);
  const partial = partialFile(target);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('VACUUM INTO ?').run(partial);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  const copy = new Database(partial);
  let users: number;
  let messages: number;
  try {
    // Whoever starts a server on this copy starts a new generation: clients then resync from scratch.
    copy.prepare('UPDATE generation SET value = NULL').run();
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy failed its integrity check (${String(check)})`);
    users = (copy.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    messages = (copy.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  } catch (error) {
    copy.close();
    fs.rmSync(partial, { force: true });
    throw error;
  }
  copy.close();
  return { file: moveIntoPlace(partial, target), bytes: fs.statSync(target).size, users, messages };
}

/**
 * Where a backup to `target` is written until it is complete (beside it, so the rename stays on one file system);
 * refuses a target that exists: a backup never overwrites a file.
 */
export function partialFile(target: string): string {
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose a new file name or remove it first.`);
  return path.join(path.dirname(target), `.${path.basename(target)}.partial-${process.pid}`);
}

/** Renames the finished copy to `target` (unless a file appeared there meanwhile): FILE is a whole backup or absent. */
export function moveIntoPlace(partial: string, target: string): string {
  try {
    partialFile(target);
    fs.renameSync(partial, target);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  return target;
}
