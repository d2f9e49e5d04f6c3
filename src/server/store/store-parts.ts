// The Store's methods that both stores answer straight from their key and group parts (SQLite's synchronous
// ones, PostgreSQL's pooled ones): defined once here, so the two stores cannot drift apart on them.
import type { EpochKeyRow, EpochResult, GroupMemberRow, GroupView, MembershipRefusal, MembershipUpdate, Store, StoredChange, StoredKeys } from './store.js';

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

/** What a store's group part answers. */
export interface GroupPart {
  append(update: MembershipUpdate): Answer<'appended' | MembershipRefusal>;
  changes(conversationId: number, fromIndex: number): Answer<string[]>;
  members(conversationId: number): Answer<GroupMemberRow[] | undefined>;
  changeLog(conversationId: number, from: number, to: number, limit: number): Answer<StoredChange[]>;
  view(userId: number, conversationId: number): Answer<GroupView | undefined>;
  readMarks(conversationId: number): Answer<{ username: string; readSeq: number }[]>;
}

export abstract class StoreParts {
  protected abstract readonly keys: KeyPart;
  protected abstract readonly groups: GroupPart;

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

  async appendMembershipChange(update: MembershipUpdate): Promise<'appended' | MembershipRefusal> {
    return this.groups.append(update);
  }

  async membershipChanges(conversationId: number, fromIndex = 0): Promise<string[]> {
    return this.groups.changes(conversationId, fromIndex);
  }

  async groupMembers(conversationId: number): Promise<GroupMemberRow[] | undefined> {
    return this.groups.members(conversationId);
  }

  async membershipLog(conversationId: number, from: number, to: number, limit: number): Promise<StoredChange[]> {
    return this.groups.changeLog(conversationId, from, to, limit);
  }

  async groupView(userId: number, conversationId: number): Promise<GroupView | undefined> {
    return this.groups.view(userId, conversationId);
  }

  async readMarks(conversationId: number): Promise<{ username: string; readSeq: number }[]> {
    return this.groups.readMarks(conversationId);
  }
}
