// Getting the user's attention from the terminal: the window title with the unread count, and a bell
// when a message arrives. Only our own words go into the title (never a name or a message), cleaned all
// the same; the title the terminal had is restored on exit where the terminal keeps a title stack.
import type { ClientState } from '../shared/client/index.js';
import { mentionsMe } from './mention-text.js';
import { cleanText } from './safe-text.js';

const ESC = '\u001b';
export const BELL = '\u0007';

/** OSC 0: the window and icon title. */
export const setTitle = (title: string): string => `${ESC}]0;${cleanText(title).replace(/\n/g, ' ')}${BELL}`;

/** xterm's title stack (CSI 22/23 t): the title before Parley is pushed at start and popped on exit. */
const PUSH_TITLE = `${ESC}[22;0t`;
const POP_TITLE = `${ESC}[23;0t`;

/** What the terminal does while Parley runs: bracketed paste on (keys.ts reads it), the old title kept aside. */
export const ENTER_TERMINAL = `${ESC}[?2004h${PUSH_TITLE}`;
/** Undoes ENTER_TERMINAL; a terminal without a title stack is left with an empty title rather than ours. */
export const LEAVE_TERMINAL = `${ESC}[?2004l${setTitle('')}${POP_TITLE}`;

/** The title for a snapshot: "Parley", with the unread count once there is any. */
export function titleFor(state: ClientState): string {
  const unread = state.session ? state.conversations.reduce((sum, c) => sum + c.unread, 0) : 0;
  return unread > 0 ? `Parley (${unread} unread)` : 'Parley';
}

/**
 * Whether a message from someone else arrived between two snapshots: a new notice (a chat not on screen; the SDK
 * makes none for a muted group unless the message mentions the user), or a newer message from someone else in
 * the chat on screen (which makes no notice), unless that is a muted group and the message does not mention the user.
 */
export function messageArrived(before: ClientState, after: ClientState): boolean {
  const lastNotice = Math.max(0, ...before.notices.map((n) => n.id));
  if (after.notices.some((n) => n.id > lastNotice)) return true;
  const open = after.activeConversationId;
  if (open === null || open !== before.activeConversationId) return false;
  const was = before.conversations.find((c) => c.id === open);
  const now = after.conversations.find((c) => c.id === open);
  const me = after.session?.username;
  if (!was || !now || now.lastSeq <= was.lastSeq || !now.lastMessage || now.lastMessage.from === me) return false;
  return after.muted[open] !== true || mentionsMe(now.lastMessage.body, me ?? '');
}
