// The run's own PostgreSQL database: made under a random name, its password kept for the environment of the programs
// it is handed to, dropped (twice is harmless); and a report that shows a --database URL without its password.
import pg from 'pg';
import { expect, it } from 'vitest';
import { servicesMissing, TEST_POSTGRES_URL } from '../test/helpers/services.js';
import { parseBenchArgs, type BenchOptions } from './args.js';
import { createScratchDatabase } from './database.js';
import { reportHeader } from './report.js';

const skipped = await servicesMissing({ postgres: true });

async function exists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

it.skipIf(skipped !== null)(`makes a database of its own, hands its password over apart, and drops it${skipped === null ? '' : ` (${skipped})`}`, async () => {
  const withPassword = new URL(TEST_POSTGRES_URL);
  withPassword.password = 'not-needed-but-kept-apart';
  const database = await createScratchDatabase(withPassword.toString(), 'parley_benchtest');
  try {
    expect(database.name).toMatch(/^parley_benchtest_[0-9a-f]{12}$/);
    expect(new URL(database.url).pathname).toBe(`/${database.name}`);
    expect(database.forChild.url).not.toContain('not-needed-but-kept-apart');
    expect(new URL(database.forChild.url).pathname).toBe(`/${database.name}`);
    expect(database.forChild.env).toEqual({ PGPASSWORD: 'not-needed-but-kept-apart' });
    expect(await exists(database.name)).toBe(true);
  } finally {
    await database.drop();
  }
  expect(await exists(database.name)).toBe(false);
  await database.drop();
});

it('shows a --database URL in the report without its password', () => {
  const options = parseBenchArgs(['--database', 'postgres://bench:s3cret@127.0.0.1/test']) as BenchOptions;
  expect(reportHeader([], [], null, options).options.database).toBe('postgres://bench:***@127.0.0.1/test');
});
