// A consistent copy of the PostgreSQL database while the nodes keep running: the machine's pg_dump, in its custom
// format, from a snapshot this module exports (and counts in), without the generation (docs/operations.md, "Backups").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { type BackupResult, moveIntoPlace, partialFile } from '../backup.js';
import { passwordApart, redactedUrl } from './url.js';

/** pg_dump's full path on `searchPath` (a PATH), or null. */
function findProgram(name: string, searchPath: string): string | null {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here; the next folder.
    }
  }
  return null;
}

const NO_PG_DUMP =
  'pg_dump was not found on the PATH. Install PostgreSQL\'s client programs (e.g. the postgresql-client package), of the same major version as the server or newer.';

/** What the snapshot holds: the schema-qualified generation table (whose rows stay out of the copy) and two counts. */
interface Snapshot {
  id: string;
  generationTable: string;
  users: number;
  messages: number;
}

/**
 * Opens a read-only repeatable-read transaction, exports its snapshot for pg_dump and counts in it, so the counts are
 * those of the copy. The transaction must stay open until pg_dump has taken the snapshot up; the caller ends it.
 */
async function exportSnapshot(client: pg.Client, shown: string): Promise<Snapshot> {
  try {
    await client.connect();
  } catch (error) {
    // PostgreSQL's own refusal (no such database, authentication failed) in its words; a network failure by its code.
    const why = error instanceof pg.DatabaseError ? error.message : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    throw new Error(`The database ${shown} could not be reached (${why}).`);
  }
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows } = await client.query<{ id: string; schema: string | null }>(
    `SELECT pg_export_snapshot() AS id,
       (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('generation')) AS schema`,
  );
  const { id, schema } = rows[0]!;
  if (schema === null) throw new Error(`There is no Parley database at ${shown}; check --database.`);
  const counts = await client.query<{ users: string; messages: string }>('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM messages) AS messages');
  // In pg_dump's patterns a quoted name is taken as written (a quote in it doubled), so only this one table matches.
  const generationTable = `"${schema.replaceAll('"', '""')}"."generation"`;
  return { id, generationTable, users: Number(counts.rows[0]!.users), messages: Number(counts.rows[0]!.messages) };
}

/** Runs pg_dump to completion; its error output (the password, if any, masked) when it fails. */
function runPgDump(program: string, args: string[], password: string | undefined): Promise<void> {
  const env = password === undefined ? process.env : { ...process.env, PGPASSWORD: password };
  const child = spawn(program, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 8_000) stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code === 'ENOENT' ? NO_PG_DUMP : `pg_dump could not be started (${error.code ?? error.message}).`)));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      let said = stderr.trim().replace(/^pg_dump: /gm, '');
      if (password) said = said.replaceAll(password, '***');
      const hint = /version mismatch/.test(said) ? ' Install the client programs of the server\'s major version (or newer).' : '';
      reject(new Error(`pg_dump failed (${code === null ? signal : `exit code ${code}`}): ${said || 'no message'}${hint}`));
    });
  });
}

/**
 * Writes a pg_dump archive (custom format, for pg_restore) of the database at `url` to `target`, consistent to one
 * moment: every message acknowledged before it began is in it. The generation table is copied empty, so a server
 * started on a restore of it makes a new generation and clients resync. Written beside `target` with mode 0600 and
 * renamed into place when pg_dump has finished, so FILE is a whole archive or absent; an existing FILE is refused.
 * `searchPath` is where pg_dump is looked for (the PATH).
 */
export async function backupPostgres(url: string, target: string, searchPath = process.env.PATH ?? ''): Promise<BackupResult> {
  const partial = partialFile(target);
  const program = findProgram('pg_dump', searchPath);
  if (program === null) throw new Error(NO_PG_DUMP);
  const shown = redactedUrl(url);
  const apart = passwordApart(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  let snapshot: Snapshot;
  try {
    snapshot = await exportSnapshot(client, shown);
    // Made here, private and new; pg_dump writes into it.
    fs.closeSync(fs.openSync(partial, 'wx', 0o600));
    await runPgDump(
      program,
      [
        '--format=custom',
        `--file=${partial}`,
        `--snapshot=${snapshot.id}`,
        `--exclude-table-data=${snapshot.generationTable}`,
        '--no-password',
        `--dbname=${apart.url}`,
      ],
      apart.password,
    );
    const fd = fs.openSync(partial, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  return { file: moveIntoPlace(partial, target), bytes: fs.statSync(target).size, users: snapshot.users, messages: snapshot.messages };
}
