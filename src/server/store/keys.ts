// The SQLite store's tables for end-to-end encryption: salts, sealed key bundles, public identities, sealed epoch keys
// and vaults (all opaque to the server). Internal to SqliteStore, which answers the Store interface's key methods with
// it and runs the compound writes (register, changePassword, resetKeys) in its own transactions.
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { keyBundleVersion } from '../../shared/crypto/index.js';
import type { KdfParams } from '../../shared/protocol.js';
import { groupEpochWriter } from './group-epochs.js';
import type { EpochKeyRow, EpochResult, GroupEpochPage, RewrappedKeys, SealedFor, StoredKeys, UserKeys } from './store.js';

/** Synchronous, on the store's connection: each method either runs alone or inside the caller's transaction. */
export class SqliteKeys {
  private readonly stmt;
  #generation: string | undefined;
  private readonly addEpochTx;
  private readonly groupEpochTx;
  /** Compare and set: only the version after the stored one (1 for the first) is written. */
  private readonly putVaultTx;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      secret: db.prepare<[], { secret: Buffer }>('SELECT secret FROM server_secret WHERE id = 1'),
      setUser: db.prepare<[string, string, string, number]>('UPDATE users SET salt = ?, kdf = ?, key_bundle = ? WHERE id = ?'),
      insertIdentity: db.prepare<[number, number, string, number]>(
        'INSERT INTO identities (user_id, key_version, public_identity, created_at) VALUES (?, ?, ?, ?)',
      ),
      userKeys: db.prepare<[number], { salt: string | null; kdf: string | null; key_bundle: string | null }>(
        'SELECT salt, kdf, key_bundle FROM users WHERE id = ?',
      ),
      identities: db.prepare<[number], { public_identity: string; key_version: number }>(
        'SELECT public_identity, key_version FROM identities WHERE user_id = ? ORDER BY key_version',
      ),
      oldBundles: db.prepare<[number], { key_version: number; key_bundle: string }>(
        'SELECT key_version, key_bundle FROM old_key_bundles WHERE user_id = ? ORDER BY key_version',
      ),
      keepOldBundle: db.prepare<[number, number]>('INSERT INTO old_key_bundles (user_id, key_version, key_bundle) SELECT id, ?, key_bundle FROM users WHERE id = ?'),
      setOldBundle: db.prepare<[string, number, number]>('UPDATE old_key_bundles SET key_bundle = ? WHERE user_id = ? AND key_version = ?'),
      setBundle: db.prepare<[string, number]>('UPDATE users SET key_bundle = ? WHERE id = ?'),
      vault: db.prepare<[number], { vault: string; version: number }>('SELECT vault, version FROM vaults WHERE user_id = ?'),
      putVault: db.prepare<[number, string, number]>(
        `INSERT INTO vaults (user_id, vault, version) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET vault = excluded.vault, version = excluded.version`,
      ),
      bumpEpoch: db.prepare<[number, number, number]>('UPDATE conversations SET epoch = ? WHERE id = ? AND epoch = ?'),
      insertEpochKey: db.prepare<[number, number, number, number, number, string, number]>(
        `INSERT INTO epoch_keys (conversation_id, epoch, recipient_id, recipient_key_version, creator_id, sealed, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      epochKeys: db.prepare<[number, number], EpochKeyRow>(
        `SELECT e.epoch, u.username AS creator, e.sealed FROM epoch_keys e JOIN users u ON u.id = e.creator_id
         JOIN conversations c ON c.id = e.conversation_id
         WHERE e.recipient_id = ? AND e.conversation_id = ? AND e.epoch <= c.epoch ORDER BY e.epoch, e.recipient_key_version`,
      ),
    };
    this.addEpochTx = db.transaction(
      (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): EpochResult => {
        // The handler checked the versions before this transaction; a reset since would leave a copy for a retired key.
        if (copies.some((c) => this.currentKeyVersion(c.recipientId) !== c.recipientKeyVersion)) return 'stale-keys';
        if (this.stmt.bumpEpoch.run(epoch, conversationId, epoch - 1).changes === 0) return 'conflict';
        this.insertCopies(conversationId, epoch, creatorId, copies, now);
        return 'added';
      },
    );
    const groupEpoch = groupEpochWriter(db, (...args) => this.insertCopies(...args));
    this.groupEpochTx = db.transaction(
      (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, page: GroupEpochPage): EpochResult =>
        copies.some((c) => this.currentKeyVersion(c.recipientId) !== c.recipientKeyVersion)
          ? 'stale-keys'
          : groupEpoch(conversationId, epoch, creatorId, copies, now, page),
    );
    this.putVaultTx = db.transaction((userId: number, vault: string, version: number): boolean => {
      if (version !== (this.stmt.vault.get(userId)?.version ?? 0) + 1) return false;
      this.stmt.putVault.run(userId, vault, version);
      return true;
    });
  }

  serverSecret(): Uint8Array {
    const row = this.stmt.secret.get();
    if (!row) throw new Error('server secret missing: migration 2 did not run');
    return new Uint8Array(row.secret);
  }

  /** A new account's keys (key version 1), inside the registration's transaction. */
  setUserKeys(userId: number, keys: UserKeys, now: number): void {
    this.stmt.setUser.run(keys.salt, JSON.stringify(keys.kdf), keys.keyBundle, userId);
    this.stmt.insertIdentity.run(userId, 1, keys.publicIdentity, now);
  }

  userKeys(userId: number): StoredKeys | undefined {
    const row = this.stmt.userKeys.get(userId);
    const identities = this.stmt.identities.all(userId);
    const current = identities.at(-1);
    if (!row?.salt || !row.kdf || !row.key_bundle || !current) return undefined;
    return {
      salt: row.salt,
      kdf: JSON.parse(row.kdf) as KdfParams,
      keyBundle: row.key_bundle,
      publicIdentity: current.public_identity,
      oldKeyBundles: this.stmt.oldBundles.all(userId).map((r) => r.key_bundle),
    };
  }

  generation(): string {
    if (this.#generation === undefined) {
      this.db.prepare('UPDATE generation SET value = ? WHERE id = 1 AND value IS NULL').run(randomBytes(16).toString('hex'));
      this.#generation = (this.db.prepare('SELECT value FROM generation WHERE id = 1').get() as { value: string }).value;
    }
    return this.#generation;
  }

  vault(userId: number): { vault: string | null; version: number } {
    const row = this.stmt.vault.get(userId);
    return row ? { vault: row.vault, version: row.version } : { vault: null, version: 0 };
  }

  putVault(userId: number, vault: string, version: number): boolean {
    return this.putVaultTx(userId, vault, version);
  }

  identities(userId: number): string[] {
    return this.stmt.identities.all(userId).map((r) => r.public_identity);
  }

  currentKeyVersion(userId: number): number | undefined {
    return this.stmt.identities.all(userId).at(-1)?.key_version;
  }

  epochKeys(recipientId: number, conversationId: number): EpochKeyRow[] {
    return this.stmt.epochKeys.all(recipientId, conversationId);
  }

  addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, group?: GroupEpochPage): EpochResult {
    return group ? this.groupEpochTx(conversationId, epoch, creatorId, copies, now, group) : this.addEpochTx(conversationId, epoch, creatorId, copies, now);
  }

  private insertCopies(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): void {
    for (const c of copies) this.stmt.insertEpochKey.run(conversationId, epoch, c.recipientId, c.recipientKeyVersion, creatorId, c.sealed, now);
  }

  /**
   * After a password change, inside its transaction: the new salt and descriptor, and the private keys sealed with
   * the new wrap key. False, writing nothing, unless the bundles name exactly the versions the account has.
   */
  rewrap(userId: number, { salt, kdf, keyBundle, oldKeyBundles = [] }: RewrappedKeys): boolean {
    const stored = this.stmt.oldBundles.all(userId).map((r) => r.key_version);
    const sent = oldKeyBundles.map(keyBundleVersion);
    // An account without keys has nothing to re-seal (and a malformed bundle has no version to match).
    const current = this.currentKeyVersion(userId);
    if (current === undefined || keyBundleVersion(keyBundle) !== current) return false;
    if (sent.length !== stored.length || sent.some((v, i) => v !== stored[i])) return false;
    this.stmt.setUser.run(salt, JSON.stringify(kdf), keyBundle, userId);
    for (const [i, bundle] of oldKeyBundles.entries()) this.stmt.setOldBundle.run(bundle, userId, stored[i]!);
    return true;
  }

  /**
   * Identity reset, inside the caller's transaction: the current bundle joins the old ones, and `publicIdentity`
   * and `keyBundle` become key version `keyVersion`. False, writing nothing, unless that is the current version + 1.
   */
  resetKeys(userId: number, keyVersion: number, publicIdentity: string, keyBundle: string, now: number): boolean {
    const current = this.currentKeyVersion(userId);
    if (current === undefined || keyVersion !== current + 1) return false;
    this.stmt.keepOldBundle.run(current, userId);
    this.stmt.insertIdentity.run(userId, keyVersion, publicIdentity, now);
    this.stmt.setBundle.run(keyBundle, userId);
    return true;
  }
}
