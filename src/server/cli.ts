// `parley server`: read options and PARLEY_* variables, start the server, print the banner, stop cleanly; and
// `parley backup` and `parley migrate`, the commands that work on its database.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ServerConfig, DEFAULT_PORT, databaseFile, defaultConfig } from './config.js';
import { allocatorWarning, youngGenerationNote } from './memory.js';
import { createLogger } from './log.js';
import { lanAddresses } from './network.js';
import { normalizeOrigin } from './http/origin.js';
import { addOpsOptions, type OpsFlags, opsConfig } from './ops-options.js';
import { createServer } from './server.js';
import { backupDatabase } from './store/backup.js';
import type { RedisHub } from './cluster/redis-hub.js';
import type { Logger } from './log.js';
import type { PostgresStore } from './store/postgres/store.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

interface ServerFlags extends OpsFlags {
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

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('A port is a whole number from 0 to 65535.');
  }
  return port;
}

/** A bare http(s) origin (scheme, host, optional port), normalised; anything else is a usage error. */
function parseOrigin(item: string): string {
  const origin = normalizeOrigin(item);
  if (origin === null || !/^[a-z]+:\/\/[^/?#@]+\/?$/i.test(item)) {
    throw new InvalidArgumentError('An origin is a scheme, host and optional port, e.g. https://chat.example.org');
  }
  return origin;
}

/** Collects repeated --allowed-origin flags (or a comma-separated variable), each a bare http(s) origin. */
function collectOrigins(value: string, previous: string[]): string[] {
  const origins = value.split(',').map((item) => item.trim()).filter(Boolean);
  return [...previous, ...origins.map(parseOrigin)];
}

function parseDurability(value: string): 'normal' | 'full' {
  if (value !== 'normal' && value !== 'full') throw new InvalidArgumentError('Use "normal" or "full".');
  return value;
}

/** A PostgreSQL connection URL; anything else is a usage error. */
function parseDatabaseUrl(value: string): string {
  if (!/^postgres(ql)?:\/\/./.test(value)) throw new InvalidArgumentError('Use a PostgreSQL URL, e.g. postgres://parley@db.example.org/parley');
  return value;
}

/** The PostgreSQL store, its driver loaded only when a URL asks for it. */
async function openPostgres(url: string): Promise<PostgresStore> {
  const { PostgresStore } = await import('./store/postgres/store.js');
  return PostgresStore.open({ url });
}

/** A Redis URL; anything else is a usage error. */
function parseRedisUrl(value: string): string {
  if (!/^rediss?:\/\/./.test(value)) throw new InvalidArgumentError('Use a Redis URL, e.g. redis://cache.example.org:6379');
  return value;
}

/** The hub of a node among several: frames to users reach their connections on the other nodes through Redis. */
async function redisHub(url: string, store: Store, log: Logger): Promise<RedisHub> {
  // Loaded only for a node among several: a single server never needs the Redis driver.
  const { RedisHub } = await import('./cluster/redis-hub.js');
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

/** The URL without its password, for messages and the banner. */
export const redactedUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new InvalidArgumentError(`Use one of ${LOG_LEVELS.join(', ')}.`);
  return value;
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
interface ServerCommandHooks {
  /** Opens the store for this configuration instead of the SQLite file in the data folder. */
  openStore?: (config: ServerConfig) => Store;
}

async function runServer(flags: ServerFlags, hooks: ServerCommandHooks): Promise<void> {
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

export function addServerCommand(program: Command, hooks: ServerCommandHooks = {}): void {
  const command = program
    .command('server')
    .description('start the Parley server (HTTP, WebSocket and web client on one port)')
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('PARLEY_PORT').argParser(parsePort).default(DEFAULT_PORT))
    .addOption(new Option('-H, --host <address>', 'address to listen on').env('PARLEY_HOST').default('0.0.0.0'))
    .addOption(new Option('-d, --data <dir>', 'folder for the database').env('PARLEY_DATA').default('data'))
    .addOption(
      new Option('--database <url>', 'a PostgreSQL URL (postgres://user@host/db): the store several nodes share, instead of the SQLite file in --data')
        .env('PARLEY_DATABASE_URL')
        .argParser(parseDatabaseUrl),
    )
    .addOption(
      new Option('--redis <url>', 'a Redis URL (redis://host:6379) through which nodes sharing one --database reach each other\'s clients')
        .env('PARLEY_REDIS_URL')
        .argParser(parseRedisUrl),
    )
    .addOption(
      new Option('--durability <mode>', 'normal: an ack survives a process crash; full: also a power loss')
        .env('PARLEY_DURABILITY')
        .argParser(parseDurability)
        .default('normal'),
    )
    .addOption(
      new Option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
        .env('PARLEY_LOG_LEVEL')
        .argParser(parseLogLevel)
        .default('info'),
    )
    .addOption(
      new Option('--allowed-origin <origin>', "another browser origin allowed to connect, e.g. a reverse proxy's public URL; repeatable")
        .env('PARLEY_ALLOWED_ORIGINS')
        .argParser(collectOrigins)
        .default([]),
    )
    .addOption(
      new Option('--public-url <url>', 'the address people use when the server has a DNS name or sits behind a reverse proxy, e.g. https://chat.example.org')
        .env('PARLEY_PUBLIC_URL')
        .argParser(parseOrigin),
    );
  addOpsOptions(command).action((flags: ServerFlags) => runServer(flags, hooks));
}

/** `parley backup FILE`: a consistent copy of the database, safe to take while the server runs. */
export function addBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('copy the database to FILE, consistently, even while the server runs')
    .argument('<file>', 'where to write the copy (must not exist yet)')
    .addOption(new Option('-d, --data <dir>', 'folder of the server\'s database').env('PARLEY_DATA').default('data'))
    .action((file: string, flags: { data: string }) => {
      privateFiles();
      const source = databaseFile({ dataDir: path.resolve(flags.data) });
      const result = backupDatabase(source, path.resolve(file));
      const kib = Math.ceil(result.bytes / 1024);
      console.log(`Backed up ${result.users} users and ${result.messages} messages to ${result.file} (${kib} KiB).`);
      console.log('To restore: stop the server, put this file in the data folder as parley.db (remove parley.db-wal and parley.db-shm), start it.');
    });
}

/** The data folder a `sqlite:DIR` source names. */
function parseSource(value: string): string {
  if (!value.startsWith('sqlite:') || value.length === 'sqlite:'.length) throw new InvalidArgumentError('Use sqlite:DIR, the data folder of the server to move.');
  return path.resolve(value.slice('sqlite:'.length));
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
    const { copySqliteToPostgres } = await import('./store/postgres/copy-from-sqlite.js');
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

export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('move a stopped server\'s SQLite database into an empty PostgreSQL database, for several nodes (docs/deployment.md)')
    .addOption(new Option('--from <source>', 'sqlite:DIR, the data folder holding parley.db').argParser(parseSource).makeOptionMandatory())
    .addOption(new Option('--to <url>', 'the PostgreSQL URL').env('PARLEY_DATABASE_URL').argParser(parseDatabaseUrl).makeOptionMandatory())
    .action(async (flags: { from: string; to: string }) => {
      const counts = await migrateSqliteToPostgres(flags.from, flags.to);
      console.log(`Moved ${counts.users ?? 0} users, ${counts.sessions ?? 0} sessions, ${counts.conversations ?? 0} conversations and ${counts.messages ?? 0} messages.`);
      console.log('Start the nodes with --database and this URL (and --redis for several); keep the SQLite folder until they run well.');
    });
}
