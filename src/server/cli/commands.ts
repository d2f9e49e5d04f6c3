// What `parley server`, `parley backup` and `parley migrate` do once their options are read (../cli.ts): start the
// server, print the banner and stop cleanly; copy the database; move it into PostgreSQL.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type ServerConfig, databaseFile, defaultConfig } from '../config.js';
import { allocatorWarning, youngGenerationNote } from '../memory.js';
import { createLogger } from '../log.js';
import { lanAddresses } from '../network.js';
import { type OpsFlags, opsConfig } from '../ops-options.js';
import { createServer } from '../server.js';
import { backupDatabase } from '../store/backup.js';
import type { RedisHub } from '../cluster/redis-hub.js';
import type { Logger } from '../log.js';
import type { PostgresStore } from '../store/postgres/store.js';
import { redactedUrl } from '../store/postgres/url.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Store } from '../store/store.js';

export interface ServerFlags extends OpsFlags {
  port: number;
  host: string;
  data: string;
  durability: 'normal' | 'full';
  logLevel: string;
  allowedOrigin: string[];
  publicUrl?: string;
  database?: string;
  redis?: string;
}

async function openPostgres(url: string): Promise<PostgresStore> {
  const { PostgresStore } = await import('../store/postgres/store.js');
  return PostgresStore.open({ url });
}

/** A Redis URL; anything else is a usage error. */
async function redisHub(url: string, store: Store, log: Logger): Promise<RedisHub> {
  // Loaded only for a node among several: a single server never needs the Redis driver.
  const { RedisHub } = await import('../cluster/redis-hub.js');
  return RedisHub.connect({
    url,
    loadContacts: (userId) => store.contactIds(userId),
    onLoadError: (error) => log.error({ err: { message: (error as Error)?.message } }, 'loading contacts for presence failed'),
    liveSessions: async (userId) => new Set((await store.listSessions(userId)).map((s) => s.id)),
    // Nodes of one database share its generation; another database on the same Redis (a test, a staging copy) does not.
    prefix: `parley:${await store.generation()}:`,
    onError: (error) => log.warn({ err: { message: (error as Error)?.message } }, 'redis: a hint between nodes was lost; clients catch up by sync'),
  });
}

/**
 * Only the server's own OS user may read what it writes (the database, its WAL, backups): files 0600,
 * folders 0700. The data folder and the files already in it are tightened too (data from older versions).
 */
function privateFiles(): void {
  process.umask(0o077);
}

/** Fails with a plain sentence when the data folder cannot hold the database; makes it private (0700, files 0600). */
function checkDataDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.accessSync(dir, fs.constants.W_OK);
    fs.chmodSync(dir, 0o700);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isFile()) fs.chmodSync(path.join(dir, entry.name), 0o600);
    }
  } catch {
    throw new Error(`The data folder ${dir} cannot be created or written to; choose another with --data.`);
  }
}

/** Says plainly that the port is taken before anything is created on disk (the data folder stays as it was). */
async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  }).catch((error: NodeJS.ErrnoException) => {
    throw listenError(error, host, port);
  });
}

/** A failure to listen, in words, or the error itself. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new Error(`Port ${port} is already in use; stop the other program or choose another with --port.`);
  if (error.code === 'EACCES') return new Error(`Port ${port} needs more privileges; choose a port above 1024 with --port.`);
  if (error.code === 'EADDRNOTAVAIL') return new Error(`${host} is not an address of this machine; check --host.`);
  return error;
}

function banner(config: ServerConfig, port: number, database?: string): string {
  const hosts = config.host === '0.0.0.0' || config.host === '::' ? lanAddresses() : [config.host];
  const lines = ['Parley server is running.', ''];
  if (hosts.length === 0) lines.push(`  No LAN address found; on this machine use 127.0.0.1:${port}`);
  for (const host of hosts) {
    // `parley` is on the PATH only after `npm link`; the npm script works in any copy after `npm install`.
    lines.push(`  Terminal client:  npm run client -- ${config.tls ? `wss://${host}:${port}` : `${host} ${port}`}`);
    lines.push(`  Web client:       ${config.tls ? 'https' : 'http'}://${host}:${port}/`);
  }
  if (config.publicUrl !== null) lines.push(`  Public address:   ${config.publicUrl}/`);
  lines.push(
    database === undefined ? `  Data folder:      ${config.dataDir}` : `  Database:         ${redactedUrl(database)}`,
    '',
    'Run the terminal client in a copy of Parley after npm install (after npm link: parley connect, anywhere).',
    'Press Ctrl-C to stop.',
  );
  return lines.join('\n');
}

/** What a caller may change about the server the command starts; tests use it to run the CLI over a faulty store. */
export interface ServerCommandHooks {
  /** Opens the store for this configuration instead of the SQLite file in the data folder. */
  openStore?: (config: ServerConfig) => Store;
}

export async function runServer(flags: ServerFlags, hooks: ServerCommandHooks): Promise<void> {
  const dataDir = path.resolve(flags.data);
  if (flags.redis !== undefined && flags.database === undefined) {
    throw new Error('--redis joins this node to others sharing one PostgreSQL: give that database with --database too.');
  }
  privateFiles();
  await checkPortFree(flags.host, flags.port);
  checkDataDir(dataDir);
  const config = defaultConfig({
    host: flags.host,
    port: flags.port,
    dataDir,
    durability: flags.durability,
    // Pages served at the public URL (through the proxy) may use the server too.
    allowedOrigins: flags.publicUrl === undefined ? flags.allowedOrigin : [...flags.allowedOrigin, flags.publicUrl],
    publicUrl: flags.publicUrl ?? null,
    ...opsConfig(flags),
  });
  const log = createLogger({ level: flags.logLevel });
  const allocator = allocatorWarning();
  if (allocator !== null) log.warn(allocator);
  const youngGeneration = youngGenerationNote();
  if (youngGeneration !== null) log.info(youngGeneration);
  let server;
  const where = flags.database === undefined ? databaseFile(config) : redactedUrl(flags.database);
  try {
    // PostgreSQL (several nodes may share it) when a URL is given; the SQLite file in the data folder otherwise.
    const store = hooks.openStore?.(config) ?? (flags.database === undefined ? undefined : await openPostgres(flags.database));
    // Several nodes share one PostgreSQL; Redis carries what one node's clients must hear from another's.
    const hub = flags.redis === undefined || store === undefined ? undefined : await redisHub(flags.redis, store, log);
    server = createServer({ config, log, store, hub, limiterFactory: hub?.limiters });
  } catch (error) {
    throw new Error(`The database ${where} could not be opened: ${(error as Error).message}`);
  }
  try {
    const address = await server.listen();
    console.log(banner(config, address.port, flags.database));
  } catch (error) {
    await server.close();
    throw listenError(error as NodeJS.ErrnoException, flags.host, flags.port);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** `parley backup FILE`: the SQLite file in the data folder, or the PostgreSQL database at `database` (through pg_dump). */
export async function runBackup(file: string, flags: { data: string; database?: string }): Promise<void> {
  privateFiles();
  const target = path.resolve(file);
  let result;
  if (flags.database === undefined) {
    result = backupDatabase(databaseFile({ dataDir: path.resolve(flags.data) }), target);
  } else {
    const { backupPostgres } = await import('../store/postgres/backup.js');
    result = await backupPostgres(flags.database, target);
  }
  const kib = Math.ceil(result.bytes / 1024);
  console.log(`Backed up ${result.users} users and ${result.messages} messages to ${result.file} (${kib} KiB).`);
  console.log(
    flags.database === undefined
      ? 'To restore: stop the server, put this file in the data folder as parley.db (remove parley.db-wal and parley.db-shm), start it.'
      : 'To restore: pg_restore --no-owner --single-transaction --exit-on-error --dbname URL-OF-AN-EMPTY-DATABASE FILE, then start the server with --database on it (docs/operations.md).',
  );
}

/**
 * Copies everything in one PostgreSQL transaction from one SQLite read transaction (a consistent snapshot),
 * into a database with no account yet. Stop the server first: what it stores after the snapshot is not moved.
 */
async function migrateSqliteToPostgres(dataDir: string, url: string): Promise<Record<string, number>> {
  const file = databaseFile({ dataDir });
  if (!fs.existsSync(file)) throw new Error(`There is no Parley database at ${file}.`);
  // Opening it brings an older file's schema up to date first, as starting the server would.
  const source = new SqliteStore({ file, checkpointInWorker: false });
  try {
    const target = await openPostgres(url);
    const { copySqliteToPostgres } = await import('../store/postgres/copy-from-sqlite.js');
    try {
      source.db.exec('BEGIN');
      try {
        return await copySqliteToPostgres(source.db, target.pool);
      } finally {
        source.db.exec('COMMIT');
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** `parley migrate --from sqlite:DIR --to URL`. */
export async function runMigrate(from: string, to: string): Promise<void> {
  const counts = await migrateSqliteToPostgres(from, to);
  console.log(`Moved ${counts.users ?? 0} users, ${counts.sessions ?? 0} sessions, ${counts.conversations ?? 0} conversations and ${counts.messages ?? 0} messages.`);
  console.log('Start the nodes with --database and this URL (and --redis for several); keep the SQLite folder until they run well.');
}
