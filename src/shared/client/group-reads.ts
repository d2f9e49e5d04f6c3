// How far the other members of a group have read, and what follows from it: the "seen" mark on the user's
// own messages once every other member has read them, and "seen by" with names. Marks come from `readMarks`
// (once per group opened) and from live `read` events; both are the server's word, so only members of the
// verified chain count and no mark runs past the messages that exist.
import type { HistorySetting } from '../crypto/index.js';
import type { ClientState, GroupView } from './state.js';

/** A member's window: the messages above `from` are theirs to read; `at` is the conversation's last seq when they joined. */
interface Window {
  from: number;
  at: number;
}

/**
 * Each member's window from the verified chain's lines: a first member reads from the start, one added later
 * from the start only when the group shared its history then (docs/groups.md, "History for new members").
 * A member who left and came back is a newcomer again: the last joining counts.
 */
function windows(view: GroupView): Map<string, Window> {
  const out = new Map<string, Window>();
  let history: HistorySetting = 'hidden';
  for (const line of view.timeline) {
    if (line.history) history = line.history;
    if (line.action === 'create') for (const name of [line.actor, ...line.targets]) out.set(name, { from: 0, at: line.afterSeq });
    if (line.action === 'add') for (const name of line.targets) out.set(name, { from: history === 'shared' ? 0 : line.afterSeq, at: line.afterSeq });
  }
  return out;
}

/**
 * Folds read marks the server gave (a `readMarks` answer, or one `read` event) into a group's: a mark only moves
 * forward, never past the conversation's last seq as this device knows it (so no message is "seen" before it
 * exists), and names the verified chain does not hold as current members are dropped.
 */
export function applyGroupMarks(state: ClientState, conversationId: number, marks: readonly { username: string; readSeq: number }[]): ClientState {
  const summary = state.conversations.find((c) => c.id === conversationId);
  const view = state.groups[conversationId];
  if (summary?.kind !== 'group' || !view) return state;
  const members = new Set(view.members.map((m) => m.username));
  const held = state.readMarks[conversationId] ?? {};
  let next: Record<string, number> | null = null;
  for (const { username, readSeq } of marks) {
    const seq = Math.min(readSeq, summary.lastSeq);
    if (!members.has(username) || seq <= ((next ?? held)[username] ?? 0)) continue;
    next ??= { ...held };
    next[username] = seq;
  }
  return next ? { ...state, readMarks: { ...state.readMarks, [conversationId]: next } } : state;
}

/** The members a message at `seq` waits for (not `author`, its window holding the message), and how far each has read. */
function readers(state: ClientState, conversationId: number, author: string): { username: string; from: number; read: number }[] {
  const view = state.groups[conversationId];
  if (!view) return [];
  const joined = windows(view);
  const marks = state.readMarks[conversationId] ?? {};
  return view.members
    .filter((m) => m.username !== author)
    .map(({ username }) => {
      // A member the chain holds without a line (a device that was shown only part of the chain) read from the start.
      const w = joined.get(username) ?? { from: 0, at: 0 };
      // Newcomers start with nothing unread: their mark is at least where they joined, before any `read` of theirs arrives.
      return { username, from: w.from, read: Math.max(marks[username] ?? 0, w.at) };
    });
}

/**
 * For the user's own messages in a group: whether the one at a seq is seen, that is every other current member
 * whose window holds it has read that far. A message no other member could read (the user alone, or only
 * newcomers who joined after it) is not seen by anyone, so it stays "sent".
 */
export function groupSeen(state: ClientState, conversationId: number, me: string): (seq: number) => boolean {
  const others = readers(state, conversationId, me).sort((a, b) => a.from - b.from);
  if (others.length === 0) return () => false;
  // lowest[i]: the lowest mark among the i + 1 members who joined first; a message waits for those who joined before it.
  const lowest: number[] = [];
  for (const [i, r] of others.entries()) lowest.push(Math.min(r.read, lowest[i - 1] ?? Infinity));
  return (seq) => {
    // How many joined before the message: the first `lo` by window.
    let lo = 0;
    let hi = others.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (others[mid]!.from < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && lowest[lo - 1]! >= seq;
  };
}

/**
 * Who of a group has read a message: of the current members other than the user and its author whose window
 * holds it (`of` of them), those whose mark reached it, sorted.
 */
export function seenByOf(state: ClientState, conversationId: number, seq: number): { names: string[]; of: number } {
  const me = state.session?.username ?? '';
  const author = state.threads[conversationId]?.messages.find((m) => m.seq === seq)?.from ?? me;
  const could = readers(state, conversationId, author).filter((r) => r.username !== me && r.from < seq);
  return { names: could.filter((r) => r.read >= seq).map((r) => r.username).sort(), of: could.length };
}
