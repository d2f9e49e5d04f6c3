// The stores the store, handler and durability tests run against: SQLite (a temporary file) and PostgreSQL (a schema
// of its own per test, dropped afterwards; or, for a series of short tests, one schema emptied between them).
// PostgreSQL is the machine's server at PARLEY_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test);
// when it cannot be reached its tests are skipped with the reason, and under CI=true they fail instead.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { PostgresStore } from '../../src/server/store/postgres/store.js';
import type { Store } from '../../src/server/store/store.js';
import { createPool } from '../../src/server/store/postgres/pool.js';
import { TEST_POSTGRES_URL, servicesMissing } from './services.js';
import { tempDir } from './temp.js';


/** A store under test, with raw SQL on its database (`?` placeholders, either engine) for what the interface does not show. */
export interface StoreHarness {
  readonly kind: 'sqlite' | 'postgres';
  readonly store: Store;
  all<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]>;
  get<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T | undefined>;
  run(sql: string, ...params: unknown[]): Promise<void>;
  /** Every row of every table, by table name: compared before and after something that must write nothing. */
  rows(): Promise<Record<string, unknown[]>>;
  /**
   * Makes the COMMIT of every transaction that inserts into (or deletes from) `table` fail, as a full disk does,
   * until the returned function is called: a trigger leaves a deferred reference to no user, checked only at
   * COMMIT, so every statement succeeds and the commit does not. The error matches COMMIT_FAILED.
   */
  failCommits(table: string, event?: 'INSERT' | 'DELETE'): Promise<() => Promise<void>>;
  /** Another store on the same database: the same file reopened, or another node on the same PostgreSQL. */
  another(): Promise<Store>;
  /** A store on an empty database (a new file, or every table emptied), for property tests' many runs; closed with the harness. */
  fresh(): Promise<Store>;
  /** SQLite gives a rolled-back row's id to the next row; PostgreSQL's identities never go back. */
  readonly reusesRolledBackIds: boolean;
  close(): Promise<void>;
}

/** A failed COMMIT as both engines word it (a deferred foreign key). */
export const COMMIT_FAILED = /FOREIGN KEY constraint failed|violates foreign key constraint/;

export interface StoreKind {
  readonly name: 'sqlite' | 'postgres';
  /** Why this kind's tests are skipped here, or null. */
  readonly skipped: string | null;
  /** A store on a database of its own. */
  open(): Promise<StoreHarness>;
  /**
   * Stores one after another, each on an empty database as open() gives, for many short tests: PostgreSQL empties
   * one schema between them (tens of milliseconds) instead of migrating a new one (hundreds). Close each harness
   * before the next; close the series at the end.
   */
  series(): StoreSeries;
}

export interface StoreSeries {
  next(): Promise<StoreHarness>;
  close(): Promise<void>;
}

/** A SQLite store on a new temporary file, with its harness (made at once: SQLite opens synchronously). */
export function sqliteHarness(): StoreHarness {
  const file = path.join(tempDir('parley-store-'), 'parley.db');
  const opened: SqliteStore[] = [];
  const open = () => {
    const store = new SqliteStore({ file, checkpointInWorker: false });
    opened.push(store);
    return store;
  };
  const store = open();
  // Raw SQL reads the newest file: the one fresh() made last, if any.
  let { db } = store;
  return {
    kind: 'sqlite',
    store,
    all: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[],
    get: async <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T | undefined,
    run: async (sql, ...params) => void db.prepare(sql).run(...params),
    rows: async () => {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
      return Object.fromEntries(tables.map((table) => [table, db.prepare(`SELECT * FROM "${table}"`).all()]));
    },
    failCommits: async (table, event = 'INSERT') => {
      db.exec(`
        CREATE TABLE broken_commit (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER break_commit AFTER ${event} ON ${table} BEGIN INSERT INTO broken_commit VALUES (-1); END;`);
      return async () => void db.exec('DROP TRIGGER break_commit; DROP TABLE broken_commit;');
    },
    another: async () => open(),
    fresh: async () => {
      await opened.at(-1)?.close();
      const other = new SqliteStore({ file: path.join(tempDir('parley-store-'), 'parley.db'), checkpointInWorker: false });
      opened.push(other);
      db = other.db;
      return other;
    },
    reusesRolledBackIds: true,
    close: async () => {
      for (const s of opened.splice(0)) await s.close();
    },
  };
}

/** The tables a fresh PostgreSQL store starts without rows in, each after those it references. */
const TABLES = ['users', 'sessions', 'conversations', 'conversation_members', 'messages', 'identities', 'old_key_bundles', 'epoch_keys', 'vaults', 'membership_changes'];
/** The tables that keep their rows: log_head and generation are reset, the server's secret and the migrations kept. */
const KEPT = ['log_head', 'generation', 'server_secret', 'schema_migrations'];

/**
 * Brings a PostgreSQL schema back to what a new store finds: what failCommits left behind dropped, every row of
 * TABLES deleted (cheaper than TRUNCATE for a few rows), identities from 1 again, the log's head at 0 and no
 * generation. A table in neither list is an error, so a new one cannot carry rows from test to test.
 */
async function emptySchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query('DROP FUNCTION IF EXISTS break_commit() CASCADE; DROP TABLE IF EXISTS broken_commit');
  const { rows } = await pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
    [schema],
  );
  const unknown = rows.map((r) => r.name).filter((name) => !TABLES.includes(name) && !KEPT.includes(name));
  if (unknown.length > 0) throw new Error(`test/helpers/store-kinds.ts: put ${unknown.join(', ')} in TABLES or KEPT`);
  await pool.query(`
    ${[...TABLES].reverse().map((table) => `DELETE FROM ${table};`).join(' ')}
    UPDATE log_head SET last_id = 0; UPDATE generation SET value = NULL;
    SELECT setval(pg_get_serial_sequence(table_name, column_name), 1, false) FROM information_schema.columns
      WHERE table_schema = '${schema}' AND is_identity = 'YES';`);
}

/** `?` placeholders as PostgreSQL's `$1, $2…`. */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** A PostgreSQL schema of its own, and the stores opened on it. */
export interface PostgresSchema {
  readonly schema: string;
  /** Raw SQL on the schema. */
  readonly pool: pg.Pool;
  /** Another store on the schema (migrating it first, if new). */
  open(): Promise<PostgresStore>;
  /** Closes every store opened so far, keeping the schema. */
  closeStores(): Promise<void>;
  /** Closes the stores and drops the schema with everything in it. */
  drop(): Promise<void>;
}

/** A PostgreSQL schema of its own for one test (or a series), dropped (with everything in it) when the test closes it. */
export async function openPostgresSchema(): Promise<PostgresSchema> {
  const schema = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const pool = createPool({ url: TEST_POSTGRES_URL, schema, max: 2 });
  const opened: PostgresStore[] = [];
  const closeStores = async () => {
    for (const s of opened.splice(0)) await s.close();
  };
  return {
    schema,
    pool,
    open: async () => {
      const store = await PostgresStore.open({ url: TEST_POSTGRES_URL, schema, max: 4 });
      opened.push(store);
      return store;
    },
    closeStores,
    drop: async () => {
      await closeStores();
      await pool.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}

/** A harness on `db`'s schema, which must be new or emptied; `close` ends it (dropping the schema, or only its stores). */
async function postgresHarness(db: PostgresSchema, close: () => Promise<void>): Promise<StoreHarness> {
  const { schema, pool, open } = db;
  const store = await open();
  let lastFresh: PostgresStore | undefined;
  return {
    kind: 'postgres',
    store,
    all: async <T>(sql: string, ...params: unknown[]) => (await pool.query(numbered(sql), params)).rows as T[],
    get: async <T>(sql: string, ...params: unknown[]) => (await pool.query(numbered(sql), params)).rows[0] as T | undefined,
    run: async (sql, ...params) => void (await pool.query(numbered(sql), params)),
    rows: async () => {
      const { rows: tables } = await pool.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name COLLATE \"C\"",
        [schema],
      );
      const all: Record<string, unknown[]> = {};
      // In a stable order: an update PostgreSQL rolled back may still move a row within its table.
      for (const { name } of tables) all[name] = (await pool.query(`SELECT * FROM "${name}" t ORDER BY t::text`)).rows;
      return all;
    },
    failCommits: async (table, event = 'INSERT') => {
      await pool.query(`
        CREATE TABLE broken_commit (user_id BIGINT REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
        CREATE FUNCTION break_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO broken_commit VALUES (-1); RETURN NULL; END $$;
        CREATE TRIGGER break_commit AFTER ${event} ON ${table} FOR EACH ROW EXECUTE FUNCTION break_commit();`);
      return async () => void (await pool.query(`DROP TRIGGER break_commit ON ${table}; DROP FUNCTION break_commit(); DROP TABLE broken_commit;`));
    },
    another: open,
    fresh: async () => {
      await lastFresh?.close();
      await emptySchema(pool, schema);
      return (lastFresh = await open());
    },
    reusesRolledBackIds: false,
    close,
  };
}

async function openPostgres(): Promise<StoreHarness> {
  const db = await openPostgresSchema();
  return postgresHarness(db, db.drop);
}

/** PostgreSQL harnesses one after another on one schema, made at the first and emptied before each later one. */
function postgresSeries(): StoreSeries {
  let db: PostgresSchema | undefined;
  return {
    next: async () => {
      if (db) await emptySchema(db.pool, db.schema);
      else db = await openPostgresSchema();
      return postgresHarness(db, db.closeStores);
    },
    close: async () => {
      await db?.drop();
      db = undefined;
    },
  };
}

/**
 * SQLite always; PostgreSQL when reachable. Under CI=true an unreachable PostgreSQL throws, so the test file
 * fails rather than passing without having run half its tests.
 */
export async function storeKinds(): Promise<StoreKind[]> {
  return [
    { name: 'sqlite', skipped: null, open: async () => sqliteHarness(), series: () => ({ next: async () => sqliteHarness(), close: async () => {} }) },
    { name: 'postgres', skipped: await servicesMissing({ postgres: true }), open: openPostgres, series: postgresSeries },
  ];
}

/** The title of a kind's describe block: its name, and the reason when it is skipped. */
export const kindTitle = (kind: StoreKind): string => (kind.skipped === null ? `${kind.name} store` : `${kind.name} store (${kind.skipped})`);
