// The PostgreSQL store's end-to-end key tables: salts, sealed bundles, identities, epoch keys, vaults (all opaque).
// A write that checks a key version first locks the account's row, so a reset on another node cannot slip between
// the check and the write (SQLite gets the same from its one writer).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { keyBundleVersion } from '../../../shared/crypto/index.js';
import type { KdfParams } from '../../../shared/protocol.js';
import { planGroupEpoch, type EpochCopyRow } from '../group-epochs.js';
import type { EpochKeyRow, EpochResult, GroupEpochPage, KeyReset, RewrappedKeys, SealedFor, StoredKeys, UserKeys } from '../store.js';
import { type Db, transaction } from './pool.js';

export class PgKeys {
  #generation: string | undefined;
  #secret: Uint8Array | undefined;

  constructor(private readonly pool: pg.Pool) {}

  /** Made by the first node that opens the database; every later one reads the same. */
  async serverSecret(): Promise<Uint8Array> {
    if (this.#secret === undefined) {
      await this.pool.query('INSERT INTO server_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [randomBytes(32)]);
      const { rows } = await this.pool.query<{ secret: Buffer }>('SELECT secret FROM server_secret WHERE id = 1');
      this.#secret = new Uint8Array(rows[0]!.secret);
    }
    return this.#secret;
  }

  /**
   * Made by the first node that opens a database without one: a new database, or a restore of `parley backup`, whose
   * copy has the row's value cleared (SQLite) or no row at all (PostgreSQL, ./backup.ts); every later node reads it.
   */
  async generation(): Promise<string> {
    if (this.#generation === undefined) {
      await this.pool.query(
        `INSERT INTO generation (id, value) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value WHERE generation.value IS NULL`,
        [randomBytes(16).toString('hex')],
      );
      const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM generation WHERE id = 1');
      this.#generation = rows[0]!.value;
    }
    return this.#generation;
  }

  /** A new account's keys (key version 1), inside the registration's transaction. */
  async setUserKeys(db: Db, userId: number, keys: UserKeys, now: number): Promise<void> {
    await db.query('UPDATE users SET salt = $1, kdf = $2, key_bundle = $3 WHERE id = $4', [keys.salt, JSON.stringify(keys.kdf), keys.keyBundle, userId]);
    await db.query('INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES ($1, 1, $2, $3)', [userId, keys.publicIdentity, now]);
  }

  async userKeys(userId: number): Promise<StoredKeys | undefined> {
    const { rows } = await this.pool.query<{ salt: string | null; kdf: string | null; key_bundle: string | null; public_identity: string | null; old: string[] }>(
      `SELECT u.salt, u.kdf, u.key_bundle,
         (SELECT public_identity FROM identities WHERE user_id = u.id ORDER BY key_version DESC LIMIT 1) AS public_identity,
         ARRAY(SELECT key_bundle FROM old_key_bundles WHERE user_id = u.id ORDER BY key_version) AS old
       FROM users u WHERE u.id = $1`,
      [userId],
    );
    const row = rows[0];
    if (!row?.salt || !row.kdf || !row.key_bundle || row.public_identity === null) return undefined;
    return { salt: row.salt, kdf: JSON.parse(row.kdf) as KdfParams, keyBundle: row.key_bundle, publicIdentity: row.public_identity, oldKeyBundles: row.old };
  }

  async identities(userId: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ public_identity: string }>('SELECT public_identity FROM identities WHERE user_id = $1 ORDER BY key_version', [userId]);
    return rows.map((r) => r.public_identity);
  }

  async currentKeyVersion(userId: number, db: Db = this.pool): Promise<number | undefined> {
    const { rows } = await db.query<{ v: number | null }>('SELECT max(key_version) AS v FROM identities WHERE user_id = $1', [userId]);
    return rows[0]?.v ?? undefined;
  }

  async epochKeys(recipientId: number, conversationId: number): Promise<EpochKeyRow[]> {
    const { rows } = await this.pool.query<EpochKeyRow>(
      `SELECT e.epoch, u.username AS creator, e.sealed FROM epoch_keys e JOIN users u ON u.id = e.creator_id
       JOIN conversations c ON c.id = e.conversation_id
       WHERE e.recipient_id = $1 AND e.conversation_id = $2 AND e.epoch <= c.epoch ORDER BY e.epoch, e.recipient_key_version`,
      [recipientId, conversationId],
    );
    return rows;
  }

  /** A direct epoch in one frame; a group's frame (`group`) as `planGroupEpoch` decides, under the group's row lock. */
  async addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, group?: GroupEpochPage): Promise<EpochResult> {
    return transaction(this.pool, async (client) => {
      // Shared locks on the recipients' accounts: a reset (which locks its own for update) waits until this commits.
      const ids = [...new Set(copies.map((c) => c.recipientId))];
      const { rows } = await client.query<{ id: number; v: number | null }>(
        'SELECT u.id, (SELECT max(key_version) FROM identities i WHERE i.user_id = u.id) AS v FROM users u WHERE u.id = ANY($1::bigint[]) ORDER BY u.id FOR SHARE',
        [ids],
      );
      const current = new Map(rows.map((r) => [Number(r.id), r.v === null ? null : Number(r.v)]));
      if (copies.some((c) => current.get(c.recipientId) !== c.recipientKeyVersion)) return 'stale-keys';
      if (group) return this.groupEpochFrame(client, { conversationId, epoch, creatorId, copies, now, page: group });
      const bumped = await client.query('UPDATE conversations SET epoch = $1 WHERE id = $2 AND epoch = $3', [epoch, conversationId, epoch - 1]);
      if (bumped.rowCount === 0) return 'conflict';
      await insertCopies(client, conversationId, epoch, creatorId, copies, now);
      return 'added';
    });
  }

  private async groupEpochFrame(
    client: Db,
    f: { conversationId: number; epoch: number; creatorId: number; copies: readonly SealedFor[]; now: number; page: GroupEpochPage },
  ): Promise<EpochResult> {
    // The group's row, locked for update: frames of one group take turns across nodes.
    const conversation = await client.query<{ epoch: number }>("SELECT epoch FROM conversations WHERE id = $1 AND kind = 'group' FOR UPDATE", [f.conversationId]);
    const current = conversation.rows[0] === undefined ? undefined : Number(conversation.rows[0].epoch);
    const stored = await client.query<EpochCopyRow>(
      `SELECT recipient_id, recipient_key_version, creator_id, created_at, sealed FROM epoch_keys
       WHERE conversation_id = $1 AND epoch = $2 ORDER BY created_at, recipient_id`,
      [f.conversationId, f.epoch],
    );
    const copies = stored.rows.map((r) => ({ ...r, recipient_id: Number(r.recipient_id), recipient_key_version: Number(r.recipient_key_version), creator_id: Number(r.creator_id), created_at: Number(r.created_at) }));
    const plan = planGroupEpoch(current, copies, f);
    if (plan.drop) await client.query('DELETE FROM epoch_keys WHERE conversation_id = $1 AND epoch = $2', [f.conversationId, f.epoch]);
    if (plan.insert) await insertCopies(client, f.conversationId, f.epoch, f.creatorId, f.copies, f.now);
    if (plan.bump) await client.query('UPDATE conversations SET epoch = $1 WHERE id = $2', [f.epoch, f.conversationId]);
    return plan.result;
  }

  async vault(userId: number): Promise<{ vault: string | null; version: number }> {
    const { rows } = await this.pool.query<{ vault: string; version: number }>('SELECT vault, version FROM vaults WHERE user_id = $1', [userId]);
    return rows[0] ? { vault: rows[0].vault, version: rows[0].version } : { vault: null, version: 0 };
  }

  /** Compare and set in one statement: only the version after the stored one (1 for the first) is written. */
  async putVault(userId: number, vault: string, version: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      version === 1
        ? 'INSERT INTO vaults (user_id, vault, version) VALUES ($1, $2, $3) ON CONFLICT (user_id) DO NOTHING'
        : 'UPDATE vaults SET vault = $2, version = $3 WHERE user_id = $1 AND version = $3 - 1',
      [userId, vault, version],
    );
    return rowCount === 1;
  }

  /** Locks the account's row until the transaction ends: key writes of one account take turns across nodes. */
  async lockAccount(client: pg.PoolClient, userId: number): Promise<void> {
    await client.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [userId]);
  }

  /**
   * After a password change, inside its transaction (the account locked): the new salt and descriptor, and the
   * private keys sealed with the new wrap key. False, writing nothing, unless the bundles name exactly the versions the account has.
   */
  async rewrap(client: pg.PoolClient, userId: number, { salt, kdf, keyBundle, oldKeyBundles = [] }: RewrappedKeys): Promise<boolean> {
    const { rows } = await client.query<{ key_version: number }>('SELECT key_version FROM old_key_bundles WHERE user_id = $1 ORDER BY key_version', [userId]);
    const stored = rows.map((r) => r.key_version);
    const sent = oldKeyBundles.map(keyBundleVersion);
    const current = await this.currentKeyVersion(userId, client);
    if (current === undefined || keyBundleVersion(keyBundle) !== current) return false;
    if (sent.length !== stored.length || sent.some((v, i) => v !== stored[i])) return false;
    await client.query('UPDATE users SET salt = $1, kdf = $2, key_bundle = $3 WHERE id = $4', [salt, JSON.stringify(kdf), keyBundle, userId]);
    for (const [i, bundle] of oldKeyBundles.entries()) {
      await client.query('UPDATE old_key_bundles SET key_bundle = $1 WHERE user_id = $2 AND key_version = $3', [bundle, userId, stored[i]]);
    }
    return true;
  }

  /** Identity reset inside the caller's transaction (the account locked); false, writing nothing, unless `keyVersion` is the current one + 1. */
  async resetKeys(client: pg.PoolClient, { userId, keyVersion, publicIdentity, keyBundle, now }: KeyReset): Promise<boolean> {
    const current = await this.currentKeyVersion(userId, client);
    if (current === undefined || keyVersion !== current + 1) return false;
    await client.query('INSERT INTO old_key_bundles (user_id, key_version, key_bundle) SELECT id, $1, key_bundle FROM users WHERE id = $2', [current, userId]);
    await client.query('INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES ($1, $2, $3, $4)', [userId, keyVersion, publicIdentity, now]);
    await client.query('UPDATE users SET key_bundle = $1 WHERE id = $2', [keyBundle, userId]);
    return true;
  }
}

async function insertCopies(client: Db, conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): Promise<void> {
  await client.query(
    `INSERT INTO epoch_keys (conversation_id, epoch, recipient_id, recipient_key_version, creator_id, sealed, created_at)
     SELECT $1, $2, r, v, $3, s, $4 FROM unnest($5::bigint[], $6::int[], $7::text[]) AS c(r, v, s)`,
    [conversationId, epoch, creatorId, now, copies.map((c) => c.recipientId), copies.map((c) => c.recipientKeyVersion), copies.map((c) => c.sealed)],
  );
}
