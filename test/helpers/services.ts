// The machine's PostgreSQL and Redis for the tests that need them: their URLs, whether they answer, and (run as a
// script, as .ci/run does) a wait until both answer: `node --import tsx test/helpers/services.ts SECONDS`.
import pg from 'pg';
import { Redis } from 'ioredis';
import { createScratchDatabase, withoutPassword } from '../../bench/database.js';

export const TEST_POSTGRES_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const shown = withoutPassword;

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

/**
 * The reason tests needing these services skip, or null when all answer; under CI=true a missing one throws
 * instead, so CI fails rather than passing without having run them.
 */
export async function servicesMissing(which: { postgres?: boolean; redis?: boolean }): Promise<string | null> {
  const reasons = (await Promise.all([which.postgres ? postgresUnreachable() : null, which.redis ? redisUnreachable() : null])).filter((r) => r !== null);
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
