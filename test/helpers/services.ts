// The machine's PostgreSQL and Redis for the tests that need them: their URLs, whether they answer, and (run as a
// script, as .ci/run does) a wait until both answer: `node --import tsx test/helpers/services.ts SECONDS`.
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createScratchDatabase } from '../../bench/database.js';

export const TEST_POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A URL without its password, for messages. */
const shown = (url: string): string => url.replace(/\/\/[^@/]*@/, '//');

/** Null when PostgreSQL answers at the test URL, else the reason in a few words. */
export async function postgresUnreachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${shown(TEST_POSTGRES_URL)} unreachable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Null when Redis answers at the test URL, else the reason in a few words. */
export async function redisUnreachable(): Promise<string | null> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG' ? null : `Redis at ${shown(TEST_REDIS_URL)} did not answer PING`;
  } catch (error) {
    return `Redis at ${shown(TEST_REDIS_URL)} unreachable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  } finally {
    redis.disconnect();
  }
}

/** Null when PostgreSQL's pg_dump and pg_restore (for `parley backup --database` and its restore) are on the PATH, else the reason. */
function pgToolsMissing(): string | null {
  const missing = ['pg_dump', 'pg_restore'].filter((name) => spawnSync(name, ['--version']).status !== 0);
  return missing.length === 0 ? null : `${missing.join(' and ')} not on the PATH`;
}

/**
 * The reason tests needing these services skip, or null when all answer; under CI=true a missing one throws
 * instead, so CI fails rather than passing without having run them.
 */
export async function servicesMissing(which: { postgres?: boolean; redis?: boolean; pgTools?: boolean }): Promise<string | null> {
  const reasons = (
    await Promise.all([which.postgres ? postgresUnreachable() : null, which.redis ? redisUnreachable() : null, which.pgTools ? pgToolsMissing() : null])
  ).filter((r) => r !== null);
  if (reasons.length === 0) return null;
  const reason = reasons.join('; ');
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must run these tests (README, "Run the tests")`);
  return `skipped: ${reason}; set PARLEY_TEST_POSTGRES_URL / PARLEY_TEST_REDIS_URL`;
}

/** A database of its own on the test PostgreSQL (for real server processes, which use the URL's default schema): its URL, and how to drop it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const { url, drop } = await createScratchDatabase(TEST_POSTGRES_URL, 'parley_cluster');
  return { url, drop };
}

/**
 * A new database on the test PostgreSQL holding a restore of `file` (a `parley backup --database` archive), restored
 * with the pg_restore command docs/operations.md gives; its URL, and how to drop it.
 */
export async function restoreTestDatabase(file: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const restore = spawnSync('pg_restore', ['--no-owner', '--single-transaction', '--exit-on-error', '--dbname', database.url, file], { encoding: 'utf8', timeout: 60_000 });
  if (restore.status !== 0) {
    await database.drop();
    throw new Error(`pg_restore failed (${restore.status ?? restore.signal}): ${restore.stderr}`);
  }
  return database;
}

/** The databases a test file makes (new ones, restores of a backup): their URLs; dropAll() after each test has closed its servers. */
export function testDatabases() {
  const drops: (() => Promise<void>)[] = [];
  const kept = (database: { url: string; drop: () => Promise<void> }): string => {
    drops.push(database.drop);
    return database.url;
  };
  return {
    create: async () => kept(await createTestDatabase()),
    restore: async (file: string) => kept(await restoreTestDatabase(file)),
    dropAll: async () => {
      for (const drop of drops.splice(0)) await drop();
    },
  };
}

async function waitForServices(seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const reasons = (await Promise.all([postgresUnreachable(), redisUnreachable()])).filter((r) => r !== null);
    if (reasons.length === 0) {
      console.log('PostgreSQL and Redis answer.');
      return;
    }
    if (Date.now() > deadline) {
      console.error(`After ${seconds} s: ${reasons.join('; ')}`);
      process.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await waitForServices(Number(process.argv[2] ?? 60));
