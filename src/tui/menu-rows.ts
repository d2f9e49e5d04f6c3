// The menu's line for a conversation: a person or a group (marked #), unread count, online or muted, last message.
import { previewText, type ClientState, type ConversationSummary } from '../shared/client/index.js';
import { formatTime, preview } from './format.js';
import { groupName } from './notice-text.js';

export interface MenuRow {
  /** Name column, padded by the caller. */
  label: string;
  /** One character: ● a contact online. */
  mark: string;
  /** "3 unread", "muted", "2 unread, muted". */
  state: string;
  /** The last message, "HH:MM who: text". */
  tail: string;
}

/** What the menu shows of one conversation. */
export function menuRow(state: ClientState, c: ConversationSummary, me: string): MenuRow {
  const last = c.lastMessage;
  const unread = c.unread > 0 ? `${c.unread} unread` : '';
  const tail = last ? `${formatTime(last.ts)} ${last.from === me ? 'you' : last.from}: ${previewText(last)}` : '';
  if (c.kind === 'direct') return { label: c.peer, mark: state.online.includes(c.peer) ? '●' : ' ', state: unread, tail };
  const muted = state.muted[c.id] === true;
  // The verified chain says whether the user is still in; the summary's role only until it is read.
  const view = state.groups[c.id];
  const left = (view ? view.myRole : c.role) === null;
  const notes = [unread, muted ? 'muted' : '', left ? 'left' : ''].filter((n) => n !== '').join(', ');
  // A group name is the creator's text (groupName cleans it), cut to fit the column.
  return { label: `#${preview(groupName(state, c.id) ?? '', 24)}`, mark: ' ', state: notes, tail };
}
