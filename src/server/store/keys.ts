// Storage for end-to-end encryption: salts, sealed key bundles, public identities and sealed epoch keys (all opaque to the server).
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { keyBundleVersion } from '../../shared/crypto/index.js';
import type { KdfParams } from '../../shared/protocol.js';

export interface UserKeys {
  salt: string;
  kdf: KdfParams;
  keyBundle: string;
  publicIdentity: string;
}

/** What login and myKeys hand back: the current keys and, after identity resets, every earlier version's bundle. */
export interface StoredKeys extends UserKeys {
  /** Oldest key version first; sealed with the same wrap key as `keyBundle`. */
  oldKeyBundles: string[];
}

export interface SealedFor {
  recipientId: number;
  recipientKeyVersion: number;
  sealed: string;
}

export interface EpochKeyRow {
  epoch: number;
  creator: string;
  sealed: string;
}

/** What the handlers need; the SQLite implementation shares the store's database file. */
export interface KeyStore {
  serverSecret(): Uint8Array;
  setUserKeys(userId: number, keys: UserKeys, now: number): void;
  userKeys(userId: number): StoredKeys | undefined;
  /** Every public identity of the user, oldest key version first. */
  identities(userId: number): string[];
  currentKeyVersion(userId: number): number | undefined;
  epochOf(conversationId: number): number;
  /** The caller's sealed copies, for every epoch and any of their key versions. */
  epochKeys(recipientId: number, conversationId: number): EpochKeyRow[];
  /** Stores every copy if `epoch` is the conversation's epoch + 1; false when another member got there first. */
  addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): boolean;
  /**
   * After a password change: the new salt and descriptor, and the private keys sealed with the new wrap key,
   * the current version's and every older one's (oldest first). False, writing nothing, unless the bundles
   * name exactly the versions the account has: none may stay sealed with the old password.
   */
  rewrap(userId: number, salt: string, kdf: KdfParams, keyBundle: string, oldKeyBundles?: readonly string[]): boolean;
  /**
   * Identity reset, inside the caller's transaction: the current bundle joins the old ones, and `publicIdentity`
   * and `keyBundle` become key version `keyVersion`. False, writing nothing, unless that is the current version + 1.
   */
  resetKeys(userId: number, keyVersion: number, publicIdentity: string, keyBundle: string, now: number): boolean;
  /** The users who share a conversation with this one (told of a key reset). */
  contactsOf(userId: number): number[];
  /**
   * The database's generation: a random id set when the server first opens the database, and again when it
   * opens a restored backup (clients that see it change resync from scratch: cursors and seqs went back).
   */
  generation(): string;
  /** The user's sealed vault and its version (null and 0 before the first write). */
  vault(userId: number): { vault: string | null; version: number };
  /** Stores the vault if `version` is the stored version + 1; false when another device wrote first. */
  putVault(userId: number, vault: string, version: number): boolean;
}

export class SqliteKeyStore implements KeyStore {
  private readonly stmt;
  #generation: string | undefined;
  private readonly addEpochTx;
  private readonly setUserKeysTx;
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
      contacts: db.prepare<[number, number], { user_id: number }>(
        `SELECT DISTINCT peer.user_id FROM conversation_members mine
         JOIN conversation_members peer ON peer.conversation_id = mine.conversation_id
         WHERE mine.user_id = ? AND peer.user_id != ?`,
      ),
      vault: db.prepare<[number], { vault: string; version: number }>('SELECT vault, version FROM vaults WHERE user_id = ?'),
      putVault: db.prepare<[number, string, number]>(
        `INSERT INTO vaults (user_id, vault, version) VALUES (?, ?, ?)
         ON CONFLICT (user_id) DO UPDATE SET vault = excluded.vault, version = excluded.version`,
      ),
      epoch: db.prepare<[number], { epoch: number }>('SELECT epoch FROM conversations WHERE id = ?'),
      bumpEpoch: db.prepare<[number, number, number]>('UPDATE conversations SET epoch = ? WHERE id = ? AND epoch = ?'),
      insertEpochKey: db.prepare<[number, number, number, number, number, string, number]>(
        `INSERT INTO epoch_keys (conversation_id, epoch, recipient_id, recipient_key_version, creator_id, sealed, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      epochKeys: db.prepare<[number, number], EpochKeyRow>(
        `SELECT e.epoch, u.username AS creator, e.sealed FROM epoch_keys e JOIN users u ON u.id = e.creator_id
         WHERE e.recipient_id = ? AND e.conversation_id = ? ORDER BY e.epoch, e.recipient_key_version`,
      ),
    };
    this.addEpochTx = db.transaction(
      (conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): boolean => {
        if (this.stmt.bumpEpoch.run(epoch, conversationId, epoch - 1).changes === 0) return false;
        for (const c of copies) {
          this.stmt.insertEpochKey.run(conversationId, epoch, c.recipientId, c.recipientKeyVersion, creatorId, c.sealed, now);
        }
        return true;
      },
    );
    this.putVaultTx = db.transaction((userId: number, vault: string, version: number): boolean => {
      if (version !== (this.stmt.vault.get(userId)?.version ?? 0) + 1) return false;
      this.stmt.putVault.run(userId, vault, version);
      return true;
    });
    this.setUserKeysTx = db.transaction((userId: number, keys: UserKeys, now: number) => {
      this.stmt.setUser.run(keys.salt, JSON.stringify(keys.kdf), keys.keyBundle, userId);
      this.stmt.insertIdentity.run(userId, 1, keys.publicIdentity, now);
    });
  }

  serverSecret(): Uint8Array {
    const row = this.stmt.secret.get();
    if (!row) throw new Error('server secret missing: migration 2 did not run');
    return new Uint8Array(row.secret);
  }

  setUserKeys(userId: number, keys: UserKeys, now: number): void {
    this.setUserKeysTx(userId, keys, now);
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

  epochOf(conversationId: number): number {
    return this.stmt.epoch.get(conversationId)?.epoch ?? 0;
  }

  epochKeys(recipientId: number, conversationId: number): EpochKeyRow[] {
    return this.stmt.epochKeys.all(recipientId, conversationId);
  }

  addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number): boolean {
    return this.addEpochTx(conversationId, epoch, creatorId, copies, now);
  }

  rewrap(userId: number, salt: string, kdf: KdfParams, keyBundle: string, oldKeyBundles: readonly string[] = []): boolean {
    const stored = this.stmt.oldBundles.all(userId).map((r) => r.key_version);
    const sent = oldKeyBundles.map(keyBundleVersion);
    if (keyBundleVersion(keyBundle) !== this.currentKeyVersion(userId)) return false;
    if (sent.length !== stored.length || sent.some((v, i) => v !== stored[i])) return false;
    this.stmt.setUser.run(salt, JSON.stringify(kdf), keyBundle, userId);
    for (const [i, bundle] of oldKeyBundles.entries()) this.stmt.setOldBundle.run(bundle, userId, stored[i]!);
    return true;
  }

  resetKeys(userId: number, keyVersion: number, publicIdentity: string, keyBundle: string, now: number): boolean {
    const current = this.currentKeyVersion(userId);
    if (current === undefined || keyVersion !== current + 1) return false;
    this.stmt.keepOldBundle.run(current, userId);
    this.stmt.insertIdentity.run(userId, keyVersion, publicIdentity, now);
    this.stmt.setBundle.run(keyBundle, userId);
    return true;
  }

  contactsOf(userId: number): number[] {
    return this.stmt.contacts.all(userId, userId).map((r) => r.user_id);
  }
}
