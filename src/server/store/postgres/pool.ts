// The PostgreSQL store's connections: one pool, BIGINT read as a number, and one transaction per compound write.
import pg from 'pg';
import { withTimeout } from '../../timeout.js';

/** int8 and int8[] (ids, counts, millisecond times): every value the store keeps is below 2^53, so a number is exact. */
const INT8_OID = 20;
const INT8_ARRAY_OID = 1016;
const parseInt8Array = pg.types.getTypeParser(INT8_ARRAY_OID as never) as (value: string) => string[];
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === INT8_ARRAY_OID) return (value: string) => parseInt8Array(value).map(Number);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export type Db = pg.Pool | pg.PoolClient;

export interface PoolOptions {
  url: string;
  /** Connections the pool may hold (default 10). */
  max?: number;
  /** A PostgreSQL schema to work in (tests give each store its own); the server uses the URL's default. */
  schema?: string;
}

export function createPool({ url, max = 10, schema }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    // A connection refused or lost answers quickly, so a send fails with INTERNAL instead of hanging.
    connectionTimeoutMillis: 5_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client's connection dropped (PostgreSQL restarted): the pool discards it; without a listener Node would exit.
  pool.on('error', () => {});
  return pool;
}

/**
 * Why PostgreSQL at `url` did not answer `SELECT 1` within `timeoutMs`, or null: on a connection of its own, so a
 * pool whose connections hang (a host that stopped answering) cannot hang the check, and the connection is closed
 * whatever happened.
 */
export async function probeDatabase(url: string, timeoutMs: number): Promise<string | null> {
  // pg's own timeouts are a backstop that closes the connection; the race below answers on time.
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2 * timeoutMs, query_timeout: 2 * timeoutMs });
  client.on('error', () => {});
  const checked = client
    .connect()
    .then(() => client.query('SELECT 1'))
    .then(
      () => null,
      (error: unknown) => `database unreachable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  const late = `database did not answer within ${timeoutMs} ms`;
  try {
    return await withTimeout(checked, timeoutMs, late).catch(() => late);
  } finally {
    void client.end().catch(() => {});
  }
}

/**
 * Runs `body` in one transaction on one pooled connection: COMMIT when it returns (a refusal it returns
 * commits nothing it did not write), ROLLBACK when it throws. A failed COMMIT throws, and nothing is stored.
 */
export async function transaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    // A connection that cannot even roll back is closed rather than handed to the next caller.
    client.release(broken);
  }
}

/** PostgreSQL's SQLSTATE for a unique violation, and the constraint it names. */
export const isUniqueViolation = (error: unknown, constraint?: string): boolean =>
  error instanceof pg.DatabaseError && error.code === '23505' && (constraint === undefined || error.constraint === constraint);

/** Text PostgreSQL cannot hold (a NUL character): it can match no stored name, so a lookup answers nothing. */
export const hasNul = (text: string): boolean => text.includes('\u0000');
