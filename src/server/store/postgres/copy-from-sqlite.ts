// `parley migrate`: moves a SQLite server's database into an empty PostgreSQL one, every id, cursor and seq kept.
// Clients keep their sessions, cursors and pinned keys: the server secret and the generation move too, so the realm
// and prelogin's answers stay the same and no client has to resync.
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { transaction } from './pool.js';

/** How many rows each multi-row insert carries. */
const CHUNK = 5_000;

interface Table {
  name: string;
  /** Read from SQLite: the columns in PostgreSQL's order, by the same names. */
  select: string;
  columns: readonly string[];
  /** The PostgreSQL array type of each column, for unnest. */
  types: readonly string[];
}

// In the order their references need. Direct conversations' heads (last_seq, last_id) are computed from their messages.
const TABLES: readonly Table[] = [
  {
    name: 'users',
    select: 'SELECT id, username, password_hash, created_at, salt, kdf, key_bundle FROM users ORDER BY id',
    columns: ['id', 'username', 'password_hash', 'created_at', 'salt', 'kdf', 'key_bundle'],
    types: ['bigint', 'text', 'text', 'bigint', 'text', 'text', 'text'],
  },
  {
    name: 'sessions',
    select: 'SELECT id, user_id, token_hash, device, address, created_at, last_seen_at FROM sessions ORDER BY id',
    columns: ['id', 'user_id', 'token_hash', 'device', 'address', 'created_at', 'last_seen_at'],
    types: ['bigint', 'bigint', 'bytea', 'text', 'text', 'bigint', 'bigint'],
  },
  {
    name: 'conversations',
    select: `SELECT c.id, c.kind, c.user_lo, c.user_hi, c.created_at, c.epoch,
               coalesce((SELECT max(seq) FROM messages WHERE conversation_id = c.id), 0) AS last_seq,
               coalesce((SELECT max(id) FROM messages WHERE conversation_id = c.id), 0) AS last_id,
               c.group_id, c.name, CASE WHEN c.shares_history THEN 'true' ELSE 'false' END AS shares_history
             FROM conversations c ORDER BY c.id`,
    columns: ['id', 'kind', 'user_lo', 'user_hi', 'created_at', 'epoch', 'last_seq', 'last_id', 'group_id', 'name', 'shares_history'],
    types: ['bigint', 'text', 'bigint', 'bigint', 'bigint', 'int', 'bigint', 'bigint', 'text', 'text', 'boolean'],
  },
  {
    name: 'conversation_members',
    select: `SELECT conversation_id, user_id, read_seq, role, joined_cursor, left_cursor, joined_seq, left_seq, left_index
             FROM conversation_members ORDER BY conversation_id, user_id`,
    columns: ['conversation_id', 'user_id', 'read_seq', 'role', 'joined_cursor', 'left_cursor', 'joined_seq', 'left_seq', 'left_index'],
    types: ['bigint', 'bigint', 'bigint', 'text', 'bigint', 'bigint', 'bigint', 'bigint', 'int'],
  },
  {
    name: 'messages',
    // The body becomes its UTF-8 bytes, as the PostgreSQL store keeps it.
    select: 'SELECT id, conversation_id, seq, sender_id, recipient_id, client_msg_id, CAST(body AS BLOB) AS body, created_at FROM messages ORDER BY id',
    columns: ['id', 'conversation_id', 'seq', 'sender_id', 'recipient_id', 'client_msg_id', 'body', 'created_at'],
    types: ['bigint', 'bigint', 'bigint', 'bigint', 'bigint', 'text', 'bytea', 'bigint'],
  },
  {
    name: 'identities',
    select: 'SELECT user_id, key_version, public_identity, created_at FROM identities ORDER BY user_id, key_version',
    columns: ['user_id', 'key_version', 'public_identity', 'created_at'],
    types: ['bigint', 'int', 'text', 'bigint'],
  },
  {
    name: 'old_key_bundles',
    select: 'SELECT user_id, key_version, key_bundle FROM old_key_bundles ORDER BY user_id, key_version',
    columns: ['user_id', 'key_version', 'key_bundle'],
    types: ['bigint', 'int', 'text'],
  },
  {
    name: 'epoch_keys',
    select: 'SELECT conversation_id, epoch, recipient_id, recipient_key_version, creator_id, sealed, created_at FROM epoch_keys',
    columns: ['conversation_id', 'epoch', 'recipient_id', 'recipient_key_version', 'creator_id', 'sealed', 'created_at'],
    types: ['bigint', 'int', 'bigint', 'int', 'bigint', 'text', 'bigint'],
  },
  {
    name: 'vaults',
    select: 'SELECT user_id, vault, version FROM vaults',
    columns: ['user_id', 'vault', 'version'],
    types: ['bigint', 'text', 'int'],
  },
  {
    name: 'membership_changes',
    select: 'SELECT conversation_id, idx, change, created_at, after_seq FROM membership_changes ORDER BY conversation_id, idx',
    columns: ['conversation_id', 'idx', 'change', 'created_at', 'after_seq'],
    types: ['bigint', 'int', 'text', 'bigint', 'bigint'],
  },
];

/** Tables whose ids PostgreSQL hands out from an identity: it must continue after the copied ones. */
const IDENTITIES = ['users', 'sessions', 'conversations'];

export type CopyCounts = Record<string, number>;

/**
 * Copies every table in one PostgreSQL transaction: all of it or, on any failure, nothing. The target must hold
 * no account yet (a database another server already uses is refused). Returns the rows copied per table.
 */
export async function copySqliteToPostgres(source: Database.Database, pool: pg.Pool): Promise<CopyCounts> {
  return transaction(pool, async (client) => {
    await client.query('LOCK TABLE users, log_head IN EXCLUSIVE MODE');
    const { rows } = await client.query<{ n: number }>('SELECT count(*) AS n FROM users');
    if (rows[0]!.n > 0) throw new Error('The PostgreSQL database already has accounts; migrate into an empty one.');
    const counts: CopyCounts = {};
    for (const table of TABLES) {
      const statement = source.prepare(table.select).raw(true);
      let chunk: unknown[][] = [];
      counts[table.name] = 0;
      const flush = async () => {
        if (chunk.length === 0) return;
        const columns = table.columns.map((_, i) => chunk.map((row) => row[i] ?? null));
        const unnest = table.types.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
        await client.query(`INSERT INTO ${table.name} (${table.columns.join(', ')}) SELECT * FROM unnest(${unnest})`, columns);
        counts[table.name]! += chunk.length;
        chunk = [];
      };
      for (const row of statement.iterate() as Iterable<unknown[]>) {
        chunk.push(row);
        if (chunk.length === CHUNK) await flush();
      }
      await flush();
    }
    await client.query('UPDATE log_head SET last_id = (SELECT coalesce(max(id), 0) FROM messages) WHERE id = 1');
    for (const table of IDENTITIES) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${table}), false)`);
    }
    const secret = source.prepare('SELECT secret FROM server_secret WHERE id = 1').get() as { secret: Buffer } | undefined;
    if (secret) await client.query('INSERT INTO server_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET secret = excluded.secret', [secret.secret]);
    const generation = source.prepare('SELECT value FROM generation WHERE id = 1').get() as { value: string | null } | undefined;
    await client.query('UPDATE generation SET value = $1 WHERE id = 1', [generation?.value ?? null]);
    return counts;
  });
}
