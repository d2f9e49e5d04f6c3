// A PostgreSQL database of a run's own (or a test's) on a given server: made with a random name, dropped afterwards,
// so runs side by side never see each other's rows, nor (through the generation in the Redis prefix) each other's notes.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { passwordApart } from '../src/server/store/postgres/url.js';
import { builtServer, REPO_ROOT } from './server.js';

export interface ScratchDatabase {
  name: string;
  /** The server's URL with this database in its path. */
  url: string;
  /** For other programs: the URL without its password, and the environment that gives it to them (PGPASSWORD). */
  forChild: { url: string; env: Record<string, string> };
  /** Drops it, closing whatever connections are still open on it; safe to call twice. */
  drop(): Promise<void>;
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE `<prefix>_<12 hex>` on the server of `serverUrl` (connecting to the database that URL names). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | null = null;
  const apart = passwordApart(url.toString());
  return {
    name,
    url: url.toString(),
    forChild: { url: apart.url, env: apart.password === undefined ? {} : { PGPASSWORD: apart.password } },
    drop: () => (dropped ??= adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

/**
 * Fills an empty database from a stopped server's SQLite data folder with `parley migrate` (the accounts of the
 * bench's template, with their sessions, so the cached tokens still resume), then gives it a generation of its
 * own: the template's is the same in every copy, and the nodes name their Redis channels after it.
 */
export async function migrateInto(dataDir: string, database: ScratchDatabase, root = REPO_ROOT): Promise<void> {
  const built = builtServer(root);
  const args = [...(built ? [built] : ['--import', 'tsx', join(root, 'src/cli.ts')]), 'migrate', '--from', `sqlite:${dataDir}`, '--to', database.forChild.url];
  await promisify(execFile)(process.execPath, args, { cwd: root, timeout: 120_000, env: { ...process.env, ...database.forChild.env } });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('UPDATE generation SET value = $1 WHERE id = 1', [randomBytes(16).toString('hex')]);
  } finally {
    await client.end();
  }
}
