// The shared store: PostgreSQL through a pool of `pg` connections, for several Parley nodes on one log of record.
//
// Every method of the Store interface, with the same answers as SqliteStore (one store test suite runs against
// both, src/server/store/store-suite.test.ts). What differs is what may be cached: several nodes write, so only
// what never changes once committed (a username's id, a pair's conversation) is kept in memory; a conversation's
// head and a group's members are read inside the transaction that depends on them (append.ts).
import type pg from 'pg';
import { ParleyError } from '../../../shared/errors.js';
import type { ConversationSummary, Message } from '../../../shared/protocol.js';
import type {
  AppendResultOf,
  KeyReset,
  MembershipRefusal,
  NewAccount,
  NewGroup,
  NewMessage,
  NewSession,
  PasswordChange,
  ReadResult,
  SessionListing,
  SessionRow,
  StaleKeys,
  Store,
  UserRow,
} from '../store.js';
import { StoreParts } from '../store-parts.js';
import { PgMessageWriter } from './append.js';
import { PgGroups } from './groups.js';
import { PgKeys } from './keys.js';
import { migratePostgres, type PgMigration } from './migrations.js';
import { createPool, type Db, hasNul, isUniqueViolation, type PoolOptions, probeDatabase, transaction } from './pool.js';
import { PgReads } from './reads.js';

export interface PostgresStoreOptions extends PoolOptions {
  migrations?: readonly PgMigration[];
}

interface SessionJoinRow {
  id: number;
  user_id: number;
  username: string;
  device: string | null;
  created_at: number;
  last_seen_at: number;
}

const SESSION_BY_TOKEN = `SELECT s.id, s.user_id, u.username, s.device, s.created_at, s.last_seen_at
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`;

/** A device name as PostgreSQL can hold it: TEXT has no NUL character, and the name is only ever shown. */
const deviceText = (device: string | null): string | null => (device === null ? null : device.replaceAll('\u0000', ''));

export class PostgresStore extends StoreParts implements Store {
  readonly pool: pg.Pool;
  private readonly writer: PgMessageWriter;
  private readonly reads: PgReads;
  protected readonly keys: PgKeys;
  protected readonly groups: PgGroups;
  private closed = false;
  /** The health check in flight: callers meanwhile share it, so a hung database costs one pooled query, not one per request. */
  private probe: Promise<string | null> | undefined;

  private constructor(
    pool: pg.Pool,
    private readonly url: string,
  ) {
    super();
    this.pool = pool;
    this.writer = new PgMessageWriter(pool);
    this.reads = new PgReads(pool);
    this.keys = new PgKeys(pool);
    this.groups = new PgGroups(pool);
  }

  /** Connects, applies the migrations this database lacks and makes the server secret (once, whichever node is first). */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const pool = createPool(options);
    try {
      await migratePostgres(pool, options.migrations);
      const store = new PostgresStore(pool, options.url);
      await store.serverSecret();
      return store;
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  async createUser(username: string, passwordHash: string, now: number): Promise<UserRow> {
    const user = await this.insertUser(this.pool, username, passwordHash, now);
    this.writer.rememberUser(username, user.id);
    return user;
  }

  async register(account: NewAccount): Promise<{ user: UserRow; session: SessionRow }> {
    const result = await transaction(this.pool, async (client) => {
      const user = await this.insertUser(client, account.username, account.passwordHash, account.now);
      if (account.keys) await this.keys.setUserKeys(client, user.id, account.keys, account.now);
      return { user, session: await this.insertSession(client, { ...account.session, userId: user.id, now: account.now }) };
    });
    this.writer.rememberUser(result.user.username, result.user.id);
    return result;
  }

  private async insertUser(db: Db, username: string, passwordHash: string, now: number): Promise<UserRow> {
    try {
      const { rows } = await db.query<{ id: number }>('INSERT INTO users (username, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id', [username, passwordHash, now]);
      return { id: rows[0]!.id, username, passwordHash, createdAt: now };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_key')) throw new ParleyError('USERNAME_TAKEN', 'That username is taken. Choose another.');
      throw error;
    }
  }

  async findUserByName(username: string): Promise<UserRow | undefined> {
    if (hasNul(username)) return undefined;
    const { rows } = await this.pool.query<{ id: number; username: string; password_hash: string; created_at: number }>(
      'SELECT id, username, password_hash, created_at FROM users WHERE username = $1',
      [username],
    );
    const row = rows[0];
    if (!row) return undefined;
    this.writer.rememberUser(row.username, row.id);
    return { id: row.id, username: row.username, passwordHash: row.password_hash, createdAt: row.created_at };
  }

  async findUserIdByName(username: string): Promise<number | undefined> {
    return this.writer.userIdByName(username);
  }

  async createSession(s: NewSession): Promise<SessionRow> {
    return this.insertSession(this.pool, s);
  }

  private async insertSession(db: Db, s: NewSession): Promise<SessionRow> {
    const { rows } = await db.query<{ id: number; username: string }>(
      `WITH inserted AS (
         INSERT INTO sessions (user_id, token_hash, device, address, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id, user_id
       ) SELECT inserted.id, u.username FROM inserted JOIN users u ON u.id = inserted.user_id`,
      [s.userId, s.tokenHash, deviceText(s.device), s.address, s.now],
    );
    const row = rows[0]!;
    return { id: row.id, userId: s.userId, username: row.username, device: s.device, createdAt: s.now, lastSeenAt: s.now };
  }

  async findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRow | undefined> {
    const { rows } = await this.pool.query<SessionJoinRow>(SESSION_BY_TOKEN, [tokenHash]);
    const row = rows[0];
    return row && { id: row.id, userId: row.user_id, username: row.username, device: row.device, createdAt: row.created_at, lastSeenAt: row.last_seen_at };
  }

  async touchSession(sessionId: number, now: number, address: string | null): Promise<void> {
    await this.pool.query('UPDATE sessions SET last_seen_at = $1, address = coalesce($2, address) WHERE id = $3', [now, address, sessionId]);
  }

  async deleteIdleSessions(before: number): Promise<number> {
    return (await this.pool.query('DELETE FROM sessions WHERE last_seen_at < $1', [before])).rowCount ?? 0;
  }

  async deleteSession(sessionId: number): Promise<void> {
    await this.pool.query('DELETE FROM sessions WHERE id = $1', [sessionId]);
  }

  async listSessions(userId: number): Promise<SessionListing[]> {
    const { rows } = await this.pool.query<{ id: number; device: string | null; address: string | null; created_at: number; last_seen_at: number }>(
      'SELECT id, device, address, created_at, last_seen_at FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC, id DESC',
      [userId],
    );
    return rows.map((r) => ({ id: r.id, device: r.device, address: r.address, createdAt: r.created_at, lastSeenAt: r.last_seen_at }));
  }

  async deleteUserSession(userId: number, sessionId: number): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM sessions WHERE id = $1 AND user_id = $2', [sessionId, userId])).rowCount ?? 0) > 0;
  }

  async deleteUserSessions(userId: number, keep = 0): Promise<number> {
    return this.deleteOtherSessions(this.pool, userId, keep);
  }

  private async deleteOtherSessions(db: Db, userId: number, keep: number): Promise<number> {
    return (await db.query('DELETE FROM sessions WHERE user_id = $1 AND id <> $2', [userId, keep])).rowCount ?? 0;
  }

  async changePassword({ userId, passwordHash, keepSessionId, keys }: PasswordChange): Promise<number | StaleKeys> {
    return transaction(this.pool, async (client): Promise<number | StaleKeys> => {
      await this.keys.lockAccount(client, userId);
      // Checked before anything is written, so a refusal commits an empty transaction.
      if (keys && !(await this.keys.rewrap(client, userId, keys))) return 'stale-keys';
      await client.query('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, userId]);
      return keepSessionId === 'all' ? 0 : this.deleteOtherSessions(client, userId, keepSessionId);
    });
  }

  async resetKeys(reset: KeyReset): Promise<number | StaleKeys> {
    return transaction(this.pool, async (client): Promise<number | StaleKeys> => {
      await this.keys.lockAccount(client, reset.userId);
      if (!(await this.keys.resetKeys(client, reset))) return 'stale-keys';
      return this.deleteOtherSessions(client, reset.userId, reset.keepSessionId);
    });
  }

  async createGroup(group: NewGroup): Promise<{ conversationId: number } | MembershipRefusal> {
    return this.groups.create(group);
  }

  async openDirect(userId: number, peerId: number, now: number): Promise<number> {
    return this.writer.openDirect(userId, peerId, now);
  }

  async appendMessages<M extends NewMessage>(batch: readonly M[]): Promise<AppendResultOf<M>[]> {
    if (batch.length === 0) return [];
    // The writer answers a direct send with a direct result only, as SQLite's does.
    return (await this.writer.append(batch)) as AppendResultOf<M>[];
  }

  async messagesAfter(userId: number, after: number, limit: number): Promise<Message[]> {
    return this.reads.messagesAfter(userId, after, limit);
  }

  async history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]> {
    return this.reads.history(conversationId, before, limit);
  }

  async conversations(userId: number): Promise<ConversationSummary[]> {
    return this.reads.conversations(userId);
  }

  async conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined> {
    return this.reads.conversation(userId, conversationId);
  }

  async peersOf(userId: number, conversationId: number): Promise<number[] | undefined> {
    return this.reads.peersOf(userId, conversationId);
  }

  async contactIds(userId: number): Promise<number[]> {
    return this.reads.contactIds(userId);
  }

  async markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined> {
    return this.reads.markRead(userId, conversationId, seq);
  }

  async unreachable(timeoutMs: number): Promise<string | null> {
    this.probe ??= probeDatabase(this.url, timeoutMs).finally(() => (this.probe = undefined));
    return this.probe;
  }

  isOpen(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
