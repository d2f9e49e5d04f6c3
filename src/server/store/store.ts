// The storage seam: everything the handlers need from the log of record, with no SQL in sight.
//
// One interface, one transaction per operation. Every method that writes is one transaction of its own: an
// operation that writes several things (register, changePassword, resetKeys, addEpoch, putVault,
// appendMessages) is one compound method that checks and writes inside it, and either commits all of it or
// nothing. There is deliberately no `transaction(async (tx) => …)` that handlers fill in: SQLite (through the
// synchronous better-sqlite3, on one connection) cannot keep a transaction open across an await without
// making every other writer, the send path's group commits included, wait for it; and PostgreSQL would hold
// a pooled client for as long as the handler awaits (argon2, the network). A compound method keeps each
// transaction short and free of handler code: SQLite runs it synchronously, PostgreSQL as BEGIN … COMMIT on
// one pooled client. A check that must hold when the write commits (a key version, a vault version) is made
// inside the method, and a refusal is an answer (false, 'stale-keys'), not a half-written change.
import type { ConversationSummary, KdfParams, Message } from '../../shared/protocol.js';

export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  createdAt: number;
}

export interface SessionRow {
  id: number;
  userId: number;
  username: string;
  device: string | null;
  createdAt: number;
  lastSeenAt: number;
}

/** A session as the user's session list shows it. */
export interface SessionListing {
  id: number;
  device: string | null;
  address: string | null;
  createdAt: number;
  lastSeenAt: number;
}

export interface NewSession {
  userId: number;
  tokenHash: Buffer;
  device: string | null;
  address: string | null;
  now: number;
}

interface SendCommon {
  senderId: number;
  from: string;
  clientMsgId: string;
  body: string;
  ts: number;
}

/**
 * One direct send as the handler hands it to the store. The recipient is resolved inside the batch, so a
 * connection's sends reach the store in the order they arrived, with no await before them.
 */
export interface DirectSend extends SendCommon {
  to: string;
  /** The conversation an end-to-end envelope names in its header: stored only if that is where it goes. */
  conversationId?: number;
}

/** One send to a group: stored once, in the conversation it names, if the sender is a current member. */
export interface GroupSend extends SendCommon {
  to?: undefined;
  conversationId: number;
}

export type NewMessage = DirectSend | GroupSend;

/** A group message as stored: one row for every member, so it names no recipient. */
export type GroupMessage = Omit<Message, 'to'>;

/** A user's end-to-end key material as registration stores it (opaque to the server). */
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

/**
 * What `addEpoch` did: a direct epoch is 'added'; a group frame with `more` leaves its epoch 'pending', and the one
 * that completes it (or re-seals an earlier epoch to newcomers) answers every copy to hand out. 'refused': a
 * group frame that would give a member two copies, or leave one without.
 */
export type EpochResult = 'added' | 'pending' | 'conflict' | 'stale-keys' | 'refused' | { completed: readonly SealedFor[] };

/** A group epoch's frame, as the handler checked it against the stored chain. */
export interface GroupEpochPage {
  /** More frames of this epoch follow: it stays pending. */
  more: boolean;
  /** The account ids of the chain's current members: a complete epoch has exactly one copy for each. */
  members: readonly number[];
  /** The stored chain's length: a pending epoch whose copies name another was overtaken by a membership change. */
  chainLength: number;
  /** Another member's pending epoch begun before this time (ms) may be replaced. */
  staleBefore: number;
  /** The group shares its history: an earlier epoch may be re-sealed to members without a copy. */
  sharesHistory: boolean;
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

/** A registration: the account, its end-to-end keys (absent for a client from before encryption) and its first session, stored together. */
export interface NewAccount {
  username: string;
  passwordHash: string;
  now: number;
  keys?: UserKeys;
  session: Omit<NewSession, 'userId' | 'now'>;
}

/** The private keys re-sealed with the new password's wrap key: the current version's and every older one's (oldest first). */
export interface RewrappedKeys {
  salt: string;
  kdf: KdfParams;
  keyBundle: string;
  oldKeyBundles?: readonly string[];
}

export interface PasswordChange {
  userId: number;
  passwordHash: string;
  /** The session that stays signed in, or 'all' to keep every session (a KDF upgrade). */
  keepSessionId: number | 'all';
  /** Required for an account with end-to-end keys: the password change and its keys commit together. */
  keys?: RewrappedKeys;
}

/** An identity reset: `publicIdentity` and `keyBundle` become key version `keyVersion`. */
export interface KeyReset {
  userId: number;
  keepSessionId: number;
  keyVersion: number;
  publicIdentity: string;
  keyBundle: string;
  now: number;
}

/**
 * The answer of a key write whose key versions no longer match the account's (another device reset or
 * re-sealed them meanwhile, or the client sent the wrong set): nothing was written.
 */
export type StaleKeys = 'stale-keys';

/** What a direct send did. */
export type DirectAppendResult =
  | {
      message: Message;
      recipientId: number;
      /** True when (sender, clientMsgId) was already stored: the original is returned and nothing is written. */
      duplicate: boolean;
    }
  /** No account has the recipient's username; nothing was written. */
  | { message: null; misdirected?: false }
  /**
   * The envelope names another conversation than the one it would be stored in, or the clientMsgId is a group
   * message's; nothing was written.
   */
  | { message: null; misdirected: true };

/** What a group send did. */
export type GroupAppendResult =
  /** The current members to push it to (the sender among them); `duplicate` as for a direct send. */
  | { message: GroupMessage; memberIds: readonly number[]; duplicate: boolean }
  /** The conversation is no group, or its current members do not include the sender; nothing was written. */
  | { message: null; misdirected?: false; notMember: true };

export type AppendResult = DirectAppendResult | GroupAppendResult;

/**
 * The results a batch gets: direct sends only, direct results (a direct send is never answered with a group
 * message); a batch that may hold group sends, any result. A resend of a group send may be answered with the
 * direct message that first used its clientMsgId, as a direct resend is with its original.
 */
export type AppendResultOf<M extends NewMessage> = M extends DirectSend ? DirectAppendResult : AppendResult;

export type GroupRole = 'owner' | 'admin' | 'member';

/** A member as a membership change leaves them. */
export interface GroupMemberInput {
  userId: number;
  role: GroupRole;
}

/** A current member of a group. */
export interface GroupMemberRow {
  userId: number;
  username: string;
  role: GroupRole;
  /** The member reads the group's messages with a cursor above this (0: all of them, when the group shares its history). */
  joinedCursor: number;
}

/** A new group: its conversation, its first members and the first change of its chain, stored together. */
export interface NewGroup {
  /** The id the creator drew and signed into the chain (22 base64url characters). */
  groupId: string;
  name: string;
  sharesHistory: boolean;
  /** Every first member, the creator among them. */
  members: readonly GroupMemberInput[];
  /** The chain's first change (`mc1.`, index 0) as the creator signed it. */
  change: string;
  now: number;
}

/** A stored change of a group's chain. */
export interface StoredChange {
  index: number;
  change: string;
  /** The conversation's last seq when the change was stored. */
  afterSeq: number;
}

/** A group as one of its members (current or former) sees it. */
export interface GroupView {
  groupId: string;
  name: string;
  sharesHistory: boolean;
  epoch: number;
  /** Null once the member left or was removed. */
  role: GroupRole | null;
  /** The index of the change that took the member out (they read the chain up to it), or null while a member. */
  leftIndex: number | null;
  /** The member reads the messages with afterSeq < seq ≤ upToSeq (null: to the newest). */
  window: { afterSeq: number; upToSeq: number | null };
  chainLength: number;
  memberCount: number;
}

/** A membership change and the group as it leaves it: members with their roles, name and setting. */
export interface MembershipUpdate {
  conversationId: number;
  /** The change's place in the chain: the number of changes stored before it. */
  index: number;
  change: string;
  members: readonly GroupMemberInput[];
  name: string;
  sharesHistory: boolean;
  now: number;
}

/**
 * What a membership write did. Nothing is written unless 'created' or 'appended': 'conflict' when another
 * change took the index first (or the change does not follow the stored head), 'bad-change' when the change
 * does not name this group and place, 'group-exists' when the group id is taken, 'not-a-group',
 * 'too-many-members' past the limit, 'unknown-member' for a member repeated or without an account.
 */
export type MembershipRefusal = 'conflict' | 'bad-change' | 'group-exists' | 'not-a-group' | 'too-many-members' | 'unknown-member';

export interface ReadResult {
  readSeq: number;
  /** The other members, to tell them the message was seen. */
  memberIds: number[];
  changed: boolean;
}

/**
 * Implementations: SQLite (embedded, the default) and, later, PostgreSQL. Every method answers with a
 * promise, and each one that writes is one transaction (see the top of this file).
 */
export interface Store {
  createUser(username: string, passwordHash: string, now: number): Promise<UserRow>;
  /**
   * The account, its keys (if any) and its first session in one transaction: if any step fails, nothing of
   * the account exists and a retry can succeed. USERNAME_TAKEN when taken.
   */
  register(account: NewAccount): Promise<{ user: UserRow; session: SessionRow }>;
  findUserByName(username: string): Promise<UserRow | undefined>;
  findUserIdByName(username: string): Promise<number | undefined>;

  createSession(session: NewSession): Promise<SessionRow>;
  findSessionByTokenHash(tokenHash: Buffer): Promise<SessionRow | undefined>;
  touchSession(sessionId: number, now: number, address: string | null): Promise<void>;
  /** Ends every session last seen before `before` (ms); returns how many. */
  deleteIdleSessions(before: number): Promise<number>;
  deleteSession(sessionId: number): Promise<void>;
  /** The user's sessions, most recently seen first. */
  listSessions(userId: number): Promise<SessionListing[]>;
  /** Ends one of the user's sessions; false when the user has no session with that id. */
  deleteUserSession(userId: number, sessionId: number): Promise<boolean>;
  /** Ends every session of the user except `keep` (if given); returns how many ended. */
  deleteUserSessions(userId: number, keep?: number): Promise<number>;
  /**
   * The new hash, the re-sealed keys and the end of the other sessions, in one transaction: a crash can never
   * leave a hash without its keys. Returns how many sessions ended, or 'stale-keys' (nothing written) unless
   * the bundles name exactly the versions the account has: none may stay sealed with the old password.
   */
  changePassword(change: PasswordChange): Promise<number | StaleKeys>;
  /**
   * An identity reset in one transaction: the current bundle joins the old ones, the new identity is stored
   * and every other session ends. Returns how many ended, or 'stale-keys' (nothing written) unless
   * `keyVersion` is the current version + 1.
   */
  resetKeys(reset: KeyReset): Promise<number | StaleKeys>;

  /** The secret the realm id and prelogin's stand-in salts derive from; made with the database. */
  serverSecret(): Promise<Uint8Array>;
  /**
   * The database's generation: a random id set when the server first opens the database, and again when it
   * opens a restored backup (clients that see it change resync from scratch: cursors and seqs went back).
   */
  generation(): Promise<string>;
  userKeys(userId: number): Promise<StoredKeys | undefined>;
  /** Every public identity of the user, oldest key version first. */
  identities(userId: number): Promise<string[]>;
  currentKeyVersion(userId: number): Promise<number | undefined>;
  /** The caller's sealed copies, for every epoch (but a pending one) and any of their key versions. */
  epochKeys(recipientId: number, conversationId: number): Promise<EpochKeyRow[]>;
  /**
   * Stores every copy, in one transaction, if `epoch` is the conversation's epoch + 1 ('conflict' when another
   * member got there first) and every copy names its recipient's current key version ('stale-keys' when one was
   * reset since the caller looked): nothing is stored unless 'added'. A group's (`group`) may come in pages and
   * re-seal earlier epochs: see `EpochResult`; one transaction per frame.
   */
  addEpoch(conversationId: number, epoch: number, creatorId: number, copies: readonly SealedFor[], now: number, group?: GroupEpochPage): Promise<EpochResult>;
  /** The user's sealed vault and its version (null and 0 before the first write). */
  vault(userId: number): Promise<{ vault: string | null; version: number }>;
  /** Stores the vault if `version` is the stored version + 1; false when another device wrote first. */
  putVault(userId: number, vault: string, version: number): Promise<boolean>;

  /**
   * A group in one transaction: its conversation, its members (the creator among them) and its chain's first
   * change; a refusal or a failure leaves none of it.
   */
  createGroup(group: NewGroup): Promise<{ conversationId: number } | MembershipRefusal>;
  /**
   * A membership change in one transaction, stored only if it is the next in the chain (its index and its
   * `prev` follow the stored head), with the member rows, name and setting it leaves: all of it or nothing.
   */
  appendMembershipChange(update: MembershipUpdate): Promise<'appended' | MembershipRefusal>;
  /** The group's signed changes from `fromIndex` (default 0) on, in order; [] for a conversation that is no group. */
  membershipChanges(conversationId: number, fromIndex?: number): Promise<string[]>;
  /** The group's current members with their roles, in user id order; undefined for a conversation that is no group. */
  groupMembers(conversationId: number): Promise<GroupMemberRow[] | undefined>;
  /** Changes `from` to `to` (inclusive), at most `limit`, in order, each with where it falls among the messages. */
  membershipLog(conversationId: number, from: number, to: number, limit: number): Promise<StoredChange[]>;
  /** The group as the user (a current or former member) sees it; undefined when they never were one, or it is no group. */
  groupView(userId: number, conversationId: number): Promise<GroupView | undefined>;
  /** How far each current member has read, by username. */
  readMarks(conversationId: number): Promise<{ username: string; readSeq: number }[]>;

  /** The direct conversation of two users, created on first use. */
  openDirect(userId: number, peerId: number, now: number): Promise<number>;
  /**
   * Dedupe, assign the next seq, store and commit every message of the batch in one transaction. A group send
   * is one row, whatever the member count; its result lists the members to push it to.
   */
  appendMessages<M extends NewMessage>(batch: readonly M[]): Promise<AppendResultOf<M>[]>;
  /**
   * Messages of every direct conversation the user is in, with cursor > after, in cursor order. Group
   * messages are left out until the protocol carries them (docs/groups.md).
   */
  messagesAfter(userId: number, after: number, limit: number): Promise<Message[]>;
  /** Messages with seq < before (or the newest), oldest first. */
  history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]>;
  /** The user's direct conversations (groups come with their own summary, docs/groups.md). */
  conversations(userId: number): Promise<ConversationSummary[]>;
  conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined>;
  /** The other member ids of a conversation, or undefined when the user is not a member. */
  peersOf(userId: number, conversationId: number): Promise<number[] | undefined>;
  /**
   * The users who share a conversation with the user (not the user): who sees their presence and is told
   * of their key reset. Current members of a group count; members who left do not.
   */
  contactIds(userId: number): Promise<number[]>;
  markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined>;

  close(): Promise<void>;
  /** False once closed (or when the database is unreachable): /healthz then answers 503. */
  isOpen?(): boolean;
  /**
   * For a database on another machine: why it did not answer a trivial query within `timeoutMs`, or null when it
   * did. /healthz asks on each request and answers 503 with the reason.
   */
  unreachable?(timeoutMs: number): Promise<string | null>;
}
