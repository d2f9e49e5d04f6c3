// Pure functions that fold server data into the snapshot: dedupe by (conversation, seq), keep order, count unread.
import type { ConversationSummary, Message } from '../protocol.js';
import { EXPLANATIONS } from './e2e-text.js';
import { applyGroupMarks, groupSeen } from './group-reads.js';
import { mentions } from './group-text.js';
import type { ClientMessage, ClientState, OutboxEntry, Thread, ThreadItem } from './state.js';

const EMPTY_THREAD: Thread = { messages: [], more: true, loaded: false };

/** Merges messages of one conversation: sorted by seq, one per seq. Returns `existing` itself when nothing is new. */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  const known = new Set(existing.map((m) => m.seq));
  const fresh = new Map<number, Message>();
  for (const message of incoming) if (!known.has(message.seq)) fresh.set(message.seq, message);
  if (fresh.size === 0) return existing;
  return [...existing, ...fresh.values()].sort((a, b) => a.seq - b.seq);
}

const REPLAYED = { reason: 'replayed', explanation: EXPLANATIONS.replayed } as const;

/**
 * The envelope binds (conversation, sender, clientMsgId), not the seq the server gives it: a second message
 * with the same sender and clientMsgId in one conversation is a replay, shown as such (the lowest seq is the
 * original, whichever arrived first). Returns `messages` itself when there is none.
 */
export function markReplays(messages: readonly ClientMessage[]): readonly ClientMessage[] {
  const seen = new Set<string>();
  let out: ClientMessage[] | null = null;
  for (const [i, m] of messages.entries()) {
    const key = `${m.from}\u0000${m.clientMsgId}`;
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    if (m.failure?.reason === 'replayed') continue;
    out ??= [...messages];
    const { warning: _warning, ...rest } = m;
    out[i] = { ...rest, body: '', failure: REPLAYED };
  }
  return out ?? messages;
}

/** Newest activity first; conversations without messages last, by id for a stable order. */
export function sortConversations(list: readonly ConversationSummary[]): readonly ConversationSummary[] {
  const at = (c: ConversationSummary) => c.lastMessage?.ts ?? -1;
  return [...list].sort((a, b) => at(b) - at(a) || b.lastSeq - a.lastSeq || a.id - b.id);
}

/** Each peer's newest unsent message (queued or failed): a conversation list shows what the user wrote last at once. */
export function pendingByPeer(outbox: readonly OutboxEntry[]): ReadonlyMap<string, OutboxEntry> {
  const newest = new Map<string, OutboxEntry>();
  for (const entry of outbox) if (entry.to !== undefined && (newest.get(entry.to)?.createdAt ?? -1) <= entry.createdAt) newest.set(entry.to, entry);
  return newest;
}

/** Conversations newest first, an unsent message counting as the newest of its conversation. */
export function sortWithPending(list: readonly ConversationSummary[], pending: ReadonlyMap<string, OutboxEntry>): readonly ConversationSummary[] {
  const at = (c: ConversationSummary) => Math.max(c.lastMessage?.ts ?? -1, (c.kind === 'direct' ? pending.get(c.peer)?.createdAt : undefined) ?? -1);
  return [...list].sort((a, b) => at(b) - at(a) || b.lastSeq - a.lastSeq || a.id - b.id);
}

export const threadOf = (state: ClientState, conversationId: number): Thread => state.threads[conversationId] ?? EMPTY_THREAD;

/** Unread count after the user's read position moved, counted from loaded messages when they cover the gap. */
function recountUnread(summary: ConversationSummary, thread: Thread, me: string): number {
  if (summary.readSeq >= summary.lastSeq) return 0;
  const first = thread.messages[0]?.seq;
  const covered = first !== undefined && (first <= summary.readSeq + 1 || !thread.more);
  if (!covered) return Math.min(summary.unread, summary.lastSeq - summary.readSeq);
  return thread.messages.filter((m) => m.seq > summary.readSeq && m.from !== me).length;
}

/**
 * One conversation's summary from the server, reconciled with what this client already knows. The server
 * answered at some moment; live pushes and read marks that arrived after it are newer and must not be undone.
 */
function reconcile(state: ClientState, server: ConversationSummary, me: string): ConversationSummary {
  const local = state.conversations.find((c) => c.id === server.id);
  if (!local) return server;
  const thread = threadOf(state, server.id);
  let merged = server;
  if (local.lastSeq > server.lastSeq) {
    const later = thread.messages.filter((m) => m.seq > server.lastSeq && m.from !== me).length;
    merged = { ...merged, lastSeq: local.lastSeq, lastMessage: local.lastMessage, unread: server.unread + later };
  }
  if (local.kind === 'direct' && merged.kind === 'direct' && local.peerReadSeq > merged.peerReadSeq) merged = { ...merged, peerReadSeq: local.peerReadSeq };
  if (local.readSeq > merged.readSeq) {
    merged = { ...merged, readSeq: local.readSeq };
    merged = { ...merged, unread: recountUnread(merged, thread, me) };
  }
  return merged;
}

export function upsertConversation(state: ClientState, summary: ConversationSummary): ClientState {
  const me = state.session?.username ?? '';
  const rest = state.conversations.filter((c) => c.id !== summary.id);
  return { ...state, conversations: sortConversations([...rest, reconcile(state, summary, me)]) };
}

/**
 * Folds messages (live, synced, acked or from history) into threads and summaries.
 * A message counts as new — unread, notice — only past the summary's lastSeq, so replays change nothing.
 */
export function applyMessages(
  state: ClientState,
  messages: readonly Message[],
  me: string,
  options: { history?: { conversationId: number; more: boolean; latest: boolean } } = {},
): { state: ClientState; fresh: Message[] } {
  const fresh: Message[] = [];
  const byConversation = new Map<number, Message[]>();
  for (const message of messages) {
    const list = byConversation.get(message.conversationId) ?? [];
    list.push(message);
    byConversation.set(message.conversationId, list);
  }
  let threads = state.threads;
  let conversations = state.conversations;
  const history = options.history;
  if (history && !byConversation.has(history.conversationId)) byConversation.set(history.conversationId, []);
  for (const [conversationId, incoming] of byConversation) {
    const thread = threads[conversationId] ?? EMPTY_THREAD;
    const merged = markReplays(mergeMessages(thread.messages, incoming));
    let next: Thread = merged === thread.messages ? thread : { ...thread, messages: merged };
    if (history?.conversationId === conversationId) {
      // The latest page says nothing about older pages already loaded; an older page's `more` is authoritative.
      const more = history.latest && thread.loaded ? thread.more : history.more;
      next = { ...next, loaded: true, more };
    }
    if (next !== thread) threads = { ...threads, [conversationId]: next };

    let summary = conversations.find((c) => c.id === conversationId);
    const sample = incoming[0];
    // A direct conversation seen first through a message; a group's summary comes from the server.
    if (!summary && sample?.to !== undefined) {
      summary = {
        id: conversationId,
        kind: 'direct',
        peer: sample.from === me ? sample.to : sample.from,
        lastSeq: 0,
        readSeq: 0,
        peerReadSeq: 0,
        unread: 0,
        lastMessage: null,
      };
    }
    if (!summary) continue;
    let updated = summary;
    for (const message of [...incoming].sort((a, b) => a.seq - b.seq)) {
      if (message.seq <= updated.lastSeq) continue;
      const fromPeer = message.from !== me;
      updated = {
        ...updated,
        lastSeq: message.seq,
        lastMessage: message,
        unread: fromPeer && message.seq > updated.readSeq ? updated.unread + 1 : updated.unread,
      };
      if (fromPeer) fresh.push(message);
    }
    if (updated !== summary || !conversations.some((c) => c.id === conversationId)) {
      conversations = sortConversations([...conversations.filter((c) => c.id !== conversationId), updated]);
    }
  }
  if (threads === state.threads && conversations === state.conversations) return { state, fresh };
  return { state: { ...state, threads, conversations }, fresh };
}

/**
 * Puts newly decrypted versions of messages already in their threads in place (same conversation and seq),
 * and in the conversation list's last message. Messages not in a thread are left out.
 */
export function replaceMessages(state: ClientState, messages: readonly ClientMessage[]): ClientState {
  let threads = state.threads;
  let conversations = state.conversations;
  for (const m of messages) {
    const thread = threads[m.conversationId];
    const i = thread?.messages.findIndex((x) => x.seq === m.seq) ?? -1;
    if (!thread || i < 0) continue;
    const updated = [...thread.messages];
    updated[i] = m;
    threads = { ...threads, [m.conversationId]: { ...thread, messages: markReplays(updated) } };
    conversations = conversations.map((c) => (c.id === m.conversationId && c.lastMessage?.seq === m.seq ? { ...c, lastMessage: m } : c));
  }
  return threads === state.threads ? state : { ...state, threads, conversations };
}

/** A read position moved: the user's own (another device, or markRead), the peer's or a group member's (the "seen" mark). */
export function applyRead(state: ClientState, conversationId: number, reader: string, seq: number, me: string): ClientState {
  const summary = state.conversations.find((c) => c.id === conversationId);
  if (!summary) return state;
  if (reader !== me && summary.kind === 'group') return applyGroupMarks(state, conversationId, [{ username: reader, readSeq: seq }]);
  let updated: ConversationSummary;
  if (reader === me) {
    if (seq <= summary.readSeq) return state;
    updated = { ...summary, readSeq: seq };
    updated = { ...updated, unread: recountUnread(updated, threadOf(state, conversationId), me) };
  } else {
    if (summary.kind !== 'direct' || seq <= summary.peerReadSeq) return state;
    updated = { ...summary, peerReadSeq: seq };
  }
  return { ...state, conversations: state.conversations.map((c) => (c.id === conversationId ? updated : c)) };
}

/**
 * Folds in the server's list of conversations, keeping loaded threads. Conversations are never deleted, so one
 * this client knows that the list lacks was created after the server answered, and stays.
 */
export function applyConversations(state: ClientState, list: readonly ConversationSummary[]): ClientState {
  const me = state.session?.username ?? '';
  const listed = new Set(list.map((c) => c.id));
  const later = state.conversations.filter((c) => !listed.has(c.id));
  return { ...state, conversations: sortConversations([...list.map((c) => reconcile(state, c, me)), ...later]) };
}

const NOTICES_KEPT = 5;

/**
 * Fresh messages outside the conversation on screen become notices, except in a muted conversation unless
 * the message mentions the user (`@name`); only the last few are kept.
 */
export function addNotices(state: ClientState, fresh: readonly Message[], nextId: () => number): ClientState {
  const me = state.session?.username ?? '';
  const added = fresh.flatMap((m) => {
    if (m.conversationId === state.activeConversationId) return [];
    const mention = me !== '' && mentions(m.body, me);
    if (state.muted[m.conversationId] && !mention) return [];
    return [{ id: nextId(), conversationId: m.conversationId, from: m.from, ts: m.ts, ...(mention ? { mention: true as const } : {}) }];
  });
  if (added.length === 0) return state;
  return { ...state, notices: [...state.notices, ...added].slice(-NOTICES_KEPT) };
}

/** What a conversation list shows of a message: its text, or a warning when it could not be decrypted or verified. */
export function previewText(message: Message | ClientMessage): string {
  return 'failure' in message && message.failure ? '⚠ message cannot be shown' : message.body;
}

export function applyPresence(state: ClientState, username: string, online: boolean): ClientState {
  const has = state.online.includes(username);
  if (has === online) return state;
  const next = online ? [...state.online, username].sort() : state.online.filter((u) => u !== username);
  return { ...state, online: next };
}

/**
 * The lines of one conversation for display: loaded messages by seq with their delivery status,
 * then the user's pending and failed sends to that peer in the order they were written.
 */
export function selectThread(state: ClientState, conversationId: number | null, peer: string): ThreadItem[] {
  const me = state.session?.username ?? '';
  const summary = conversationId === null ? undefined : state.conversations.find((c) => c.id === conversationId);
  // In a conversation with yourself you are the reader: the server tracks your own read position only,
  // and a note becomes "seen" once you (on any of your devices) have read it, not never.
  const peerReadSeq = (peer === me ? summary?.readSeq : summary?.kind === 'direct' ? summary.peerReadSeq : undefined) ?? 0;
  // In a group, a message is seen once every other member who can read it has.
  const seen = summary?.kind === 'group' ? groupSeen(state, summary.id, me) : (seq: number) => seq <= peerReadSeq;
  const messages = conversationId === null ? [] : threadOf(state, conversationId).messages;
  const items: ThreadItem[] = messages.map((m: ClientMessage) => {
    const mine = m.from === me;
    return {
      key: `${m.conversationId}:${m.seq}`,
      from: m.from,
      ...(m.to === undefined ? {} : { to: m.to }),
      body: m.body,
      ts: m.ts,
      seq: m.seq,
      mine,
      status: mine ? (seen(m.seq) ? 'seen' : 'sent') : null,
      ...(m.failure ? { failure: m.failure } : {}),
      ...(m.warning ? { warning: m.warning } : {}),
    };
  });
  // A group's pending sends name the conversation; a direct one's the peer.
  for (const entry of state.outbox) {
    if (entry.to === undefined ? entry.conversationId === conversationId : entry.to === peer) items.push(pendingItem(entry, me));
  }
  return items;
}

function pendingItem(entry: OutboxEntry, me: string): ThreadItem {
  return {
    key: `pending:${entry.clientMsgId}`,
    from: me,
    ...(entry.to === undefined ? {} : { to: entry.to }),
    body: entry.body,
    ts: entry.createdAt,
    seq: null,
    mine: true,
    status: entry.status,
    clientMsgId: entry.clientMsgId,
    ...(entry.error ? { error: entry.error } : {}),
  };
}
