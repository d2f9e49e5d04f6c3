// The storage seam: everything the handlers need from the log of record, with no SQL in sight.
import type { ConversationSummary, Message } from '../../shared/protocol.js';

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

/**
 * One send as the handler hands it to the store. The recipient is resolved inside the batch, so a
 * connection's sends reach the store in the order they arrived, with no await before them.
 */
export interface NewMessage {
  senderId: number;
  from: string;
  to: string;
  clientMsgId: string;
  body: string;
  ts: number;
  /** The conversation an end-to-end envelope names in its header: stored only if that is where it goes. */
  conversationId?: number;
}

/** A registration: the account and its first session, stored together. */
export interface NewAccount {
  username: string;
  passwordHash: string;
  now: number;
  session: Omit<NewSession, 'userId' | 'now'>;
}

export type AppendResult =
  | {
      message: Message;
      recipientId: number;
      /** True when (sender, clientMsgId) was already stored: the original is returned and nothing is written. */
      duplicate: boolean;
    }
  /** No account has the recipient's username; nothing was written. */
  | { message: null; misdirected?: false }
  /** The envelope names another conversation than the one it would be stored in; nothing was written. */
  | { message: null; misdirected: true };

export interface ReadResult {
  readSeq: number;
  /** The other members, to tell them the message was seen. */
  memberIds: number[];
  changed: boolean;
}

/**
 * Implementations: SQLite (embedded, the default) and, later, PostgreSQL. Methods may answer
 * synchronously or with a promise; callers always await them.
 */
export interface Store {
  createUser(username: string, passwordHash: string, now: number): Promise<UserRow>;
  /**
   * The account, `inTransaction(userId)` (its end-to-end keys) and its first session in one transaction:
   * if any step fails, nothing of the account exists and a retry can succeed. USERNAME_TAKEN when taken.
   */
  register(account: NewAccount, inTransaction?: (userId: number) => void): Promise<{ user: UserRow; session: SessionRow }>;
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
  /** Stores a new password hash and ends every other session, in one transaction; returns how many ended. */
  /**
   * Stores the new hash and ends the other sessions in one transaction; `alsoInTransaction` (the
   * re-sealed end-to-end keys) commits with them, so a crash can never leave a hash without its keys.
   */
  changePassword(userId: number, passwordHash: string, keepSessionId: number | 'all', alsoInTransaction?: () => void): Promise<number>;
  /**
   * An identity reset: runs `inTransaction` (the key store's writes) and ends every other session of the
   * user in one transaction; if either throws, nothing is written. Returns how many sessions ended.
   */
  resetKeys(userId: number, keepSessionId: number, inTransaction: () => void): Promise<number>;

  /** The direct conversation of two users, created on first use. */
  openDirect(userId: number, peerId: number, now: number): Promise<number>;
  /** Dedupe, assign the next seq, store and commit every message of the batch in one transaction. */
  appendMessages(batch: readonly NewMessage[]): Promise<AppendResult[]>;
  /** Messages of every conversation the user is in, with cursor > after, in cursor order. */
  messagesAfter(userId: number, after: number, limit: number): Promise<Message[]>;
  /** Messages with seq < before (or the newest), oldest first. */
  history(conversationId: number, before: number | undefined, limit: number): Promise<Message[]>;
  conversations(userId: number): Promise<ConversationSummary[]>;
  conversation(userId: number, conversationId: number): Promise<ConversationSummary | undefined>;
  /** The other member ids of a conversation, or undefined when the user is not a member. */
  peersOf(userId: number, conversationId: number): Promise<number[] | undefined>;
  /**
   * The users who share a conversation with the user (not the user): who sees their presence. Direct
   * conversations today; group members join here when groups come.
   */
  contactIds(userId: number): Promise<number[]>;
  markRead(userId: number, conversationId: number, seq: number): Promise<ReadResult | undefined>;

  close(): Promise<void>;
  /** False once closed (or when the database is unreachable): /healthz then answers 503. */
  isOpen?(): boolean;
}
