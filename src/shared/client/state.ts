// The snapshot the SDK hands to UIs: plain immutable data, replaced (never mutated) on every change.
import type { ErrorCode } from '../errors.js';
import type { ConversationSummary } from '../protocol.js';
import type { ClientMessage, ContactKeys, MessageFailure, SecurityEvent } from './e2e-text.js';
import type { MembershipLine, Role, HistorySetting } from './group-text.js';

export type { ClientMessage, ContactKeys, MessageFailure, SecurityEvent, MembershipLine };

/** A group as this device verified its signed membership chain: never the server's word. */
export interface GroupView {
  conversationId: number;
  /** base64url of the 16-byte group id the chain names (pinned with the conversation id). */
  groupId: string;
  name: string;
  history: HistorySetting;
  /** From the verified chain only, in username order. */
  members: readonly { username: string; role: Role }[];
  /** null after leaving or removal: the conversation stays readable up to then. */
  myRole: Role | null;
  /**
   * One line per verified change, oldest first; when the user was added while the group kept its history hidden,
   * only from their latest addition on (what their window reads), though the whole chain was verified.
   */
  timeline: readonly MembershipLine[];
  /** The chain failed verification there (also a security event); the view is the state before it. */
  refused?: { index: number; reason: string };
}

export type ConnectionState =
  | { status: 'connecting' }
  | { status: 'online' }
  | { status: 'reconnecting'; attempt: number; nextRetryAt: number }
  | { status: 'closed'; reason: string | null };

export interface Session {
  username: string;
  sessionId: number;
}

/** A message the user wrote that the server has not acknowledged yet (or refused for good). */
export interface OutboxEntry {
  clientMsgId: string;
  /** Peer username, for a direct message (a first message to someone has no conversation id yet). */
  to?: string;
  /** The group conversation, for a group message. Exactly one of `to` and `conversationId` is set. */
  conversationId?: number;
  body: string;
  createdAt: number;
  status: 'sending' | 'failed';
  /** For a failed entry: why (code and a sentence fit to show). */
  error?: { code: ErrorCode; message: string };
}

/** What is loaded of one conversation's messages: sorted by seq, one per seq. */
export interface Thread {
  messages: readonly ClientMessage[];
  /** True while older messages may exist on the server that are not loaded. */
  more: boolean;
  /** True once a history page was fetched (live messages alone don't make a thread complete). */
  loaded: boolean;
}

/** A note that a message arrived somewhere other than the conversation on screen. */
export interface Notice {
  id: number;
  conversationId: number;
  from: string;
  ts: number;
  /** Set when the message mentions the user (`@name`): it makes a notice even in a muted group. */
  mention?: true;
}

export interface ClientState {
  connection: ConnectionState;
  session: Session | null;
  /** Why the last session ended when the server ended it (another device signed this one out, a password change), in words; null otherwise. */
  endedReason: string | null;
  /**
   * The user's contacts (people they share a conversation with) who are online, and the user, sorted: kept
   * from presence events. Everyone online is a paged request: `activeUsers`.
   */
  online: readonly string[];
  /** Newest activity first. */
  conversations: readonly ConversationSummary[];
  threads: Readonly<Record<number, Thread>>;
  /** Unacknowledged and failed sends, oldest first. */
  outbox: readonly OutboxEntry[];
  /** conversationId → usernames typing right now. */
  typing: Readonly<Record<number, readonly string[]>>;
  /** Newest last; a handful at most. */
  notices: readonly Notice[];
  /** conversationId → what the user must see about its keys and members (new keys, refused keys, misdirection), oldest first. */
  security: Readonly<Record<number, readonly SecurityEvent[]>>;
  activeConversationId: number | null;
  limits: { bodyMaxLength: number; passwordMinLength: number };
  /**
   * End-to-end keys: 'none' signed out; 'locked' signed in by token without the keys (ask for the
   * password, then `unlock`); 'unlocked' able to read and send.
   */
  keys: 'none' | 'locked' | 'unlocked';
  /** Contacts whose keys this client checked: new (trust on first use), same (maybe verified), changed (warn). */
  contacts: Readonly<Record<string, ContactKeys>>;
  /** Group conversations as their verified membership chains leave them, by conversation id. */
  groups: Readonly<Record<number, GroupView>>;
  /**
   * Groups only: conversationId → member → the seq they have read up to, as the server said (`readMarks` when the
   * group is opened, then `read` events): verified members only, never past the conversation's lastSeq.
   */
  readMarks: Readonly<Record<number, Readonly<Record<string, number>>>>;
  /** Conversations the user muted on this device: no notices unless a message mentions them. */
  muted: Readonly<Record<number, true>>;
  /** Set when the server's database was restored from a backup since this client last saw it: recent messages may be gone. */
  serverRestored: boolean;
  /** Set while a sign-in the server refused as too busy (SERVER_BUSY) waits to be sent again: a sentence to show. */
  signInNotice: string | null;
  /**
   * Set while the user's verifications are too many for the server's vault: they stay on this device and stop
   * reaching the user's other devices. A sentence to show; null once a vault write went through again.
   */
  vaultNotice: string | null;
}

export const initialState = (limits: ClientState['limits']): ClientState => ({
  connection: { status: 'connecting' },
  session: null,
  endedReason: null,
  online: [],
  conversations: [],
  threads: {},
  outbox: [],
  typing: {},
  notices: [],
  security: {},
  activeConversationId: null,
  limits,
  keys: 'none',
  contacts: {},
  groups: {},
  readMarks: {},
  muted: {},
  serverRestored: false,
  signInNotice: null,
  vaultNotice: null,
});

/** How an own message is doing; null for messages from the peer. */
export type DeliveryStatus = 'sending' | 'sent' | 'seen' | 'failed';

/** One line of a conversation as a UI shows it: delivered messages by seq, then pending sends. */
export interface ThreadItem {
  /** Stable React key. */
  key: string;
  from: string;
  /** The peer in a direct conversation; absent in groups. */
  to?: string;
  body: string;
  ts: number;
  seq: number | null;
  mine: boolean;
  status: DeliveryStatus | null;
  error?: { code: ErrorCode; message: string };
  /** Set when the message could not be decrypted or verified: `body` is '' and this says why. */
  failure?: MessageFailure;
  /** Set on a shown message whose signed time and the server's time disagree by much. */
  warning?: string;
  /** Set on items still in the outbox, for retry() and discard(). */
  clientMsgId?: string;
}
