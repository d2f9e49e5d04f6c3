// `parley server`, `parley backup` and `parley migrate`: their options and PARLEY_* variables. What each runs
// (./cli/commands.ts) loads only when it runs, so `parley connect` starts without the server's modules.
import path from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_PORT } from './config.js';
import { normalizeOrigin } from './http/origin.js';
import { addOpsOptions } from './ops-options.js';
import type { ServerCommandHooks, ServerFlags } from './cli/commands.js';

const commands = () => import('./cli/commands.js');

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
function parseRedisUrl(value: string): string {
  if (!/^rediss?:\/\/./.test(value)) throw new InvalidArgumentError('Use a Redis URL, e.g. redis://cache.example.org:6379');
  return value;
}

/** The hub of a node among several: frames to users reach their connections on the other nodes through Redis. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseLogLevel(value: string): string {
  if (!LOG_LEVELS.includes(value)) throw new InvalidArgumentError(`Use one of ${LOG_LEVELS.join(', ')}.`);
  return value;
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
  addOpsOptions(command).action(async (flags: ServerFlags) => (await commands()).runServer(flags, hooks));
}

/** `parley backup FILE`: a consistent copy of the database, safe to take while the server runs. */
export function addBackupCommand(program: Command): void {
  program
    .command('backup')
    .description('copy the database to FILE, consistently, even while the server runs (PostgreSQL: with pg_dump, for pg_restore)')
    .argument('<file>', 'where to write the copy (must not exist yet)')
    .addOption(new Option('-d, --data <dir>', 'folder of the server\'s database').env('PARLEY_DATA').default('data'))
    .addOption(
      new Option('--database <url>', 'the PostgreSQL URL the server was started with; the machine\'s pg_dump copies it')
        .env('PARLEY_DATABASE_URL')
        .argParser(parseDatabaseUrl),
    )
    .action(async (file: string, flags: { data: string; database?: string }) => (await commands()).runBackup(file, flags));
}

/** The data folder a `sqlite:DIR` source names. */
function parseSource(value: string): string {
  if (!value.startsWith('sqlite:') || value.length === 'sqlite:'.length) throw new InvalidArgumentError('Use sqlite:DIR, the data folder of the server to move.');
  return path.resolve(value.slice('sqlite:'.length));
}

export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('move a stopped server\'s SQLite database into an empty PostgreSQL database, for several nodes (docs/deployment.md)')
    .addOption(new Option('--from <source>', 'sqlite:DIR, the data folder holding parley.db').argParser(parseSource).makeOptionMandatory())
    .addOption(new Option('--to <url>', 'the PostgreSQL URL').env('PARLEY_DATABASE_URL').argParser(parseDatabaseUrl).makeOptionMandatory())
    .action(async (flags: { from: string; to: string }) => (await commands()).runMigrate(flags.from, flags.to));
}
