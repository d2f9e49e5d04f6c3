// The Store's key methods that both stores answer straight from their key part (SQLite's synchronous one,
// PostgreSQL's pooled one): defined once here, so the two stores cannot drift apart on them.
import type { EpochKeyRow, EpochResult, Store, StoredKeys } from './store.js';

type Answer<T> = T | Promise<T>;

/** What a store's key part answers. */
export interface KeyPart {
  serverSecret(): Answer<Uint8Array>;
  generation(): Answer<string>;
  userKeys(userId: number): Answer<StoredKeys | undefined>;
  identities(userId: number): Answer<string[]>;
  currentKeyVersion(userId: number): Answer<number | undefined>;
  epochKeys(recipientId: number, conversationId: number): Answer<EpochKeyRow[]>;
  addEpoch(...args: Parameters<Store['addEpoch']>): Answer<EpochResult>;
  vault(userId: number): Answer<{ vault: string | null; version: number }>;
  putVault(userId: number, vault: string, version: number): Answer<boolean>;
}

export abstract class KeyMethods {
  protected abstract readonly keys: KeyPart;

  async serverSecret(): Promise<Uint8Array> {
    return this.keys.serverSecret();
  }

  async generation(): Promise<string> {
    return this.keys.generation();
  }

  async userKeys(userId: number): Promise<StoredKeys | undefined> {
    return this.keys.userKeys(userId);
  }

  async identities(userId: number): Promise<string[]> {
    return this.keys.identities(userId);
  }

  async currentKeyVersion(userId: number): Promise<number | undefined> {
    return this.keys.currentKeyVersion(userId);
  }

  async epochKeys(recipientId: number, conversationId: number): Promise<EpochKeyRow[]> {
    return this.keys.epochKeys(recipientId, conversationId);
  }

  async addEpoch(...args: Parameters<Store['addEpoch']>): Promise<EpochResult> {
    return this.keys.addEpoch(...args);
  }

  async vault(userId: number): Promise<{ vault: string | null; version: number }> {
    return this.keys.vault(userId);
  }

  async putVault(userId: number, vault: string, version: number): Promise<boolean> {
    return this.keys.putVault(userId, vault, version);
  }
}
