// The one-line notice a chat screen shows when a message arrives in another conversation, and group names as shown.
import type { ClientState, Notice } from '../shared/client/index.js';
import { formatTime } from './format.js';
import { cleanText } from './safe-text.js';

/**
 * A group's name on one line, cleaned: the verified chain's (the SDK's GroupView), the server's summary until the
 * chain is read. The chain refuses names with control characters, but the summary is only the server's word.
 */
export function groupName(state: ClientState, conversationId: number): string | null {
  const summary = state.conversations.find((c) => c.id === conversationId);
  const name = state.groups[conversationId]?.name ?? (summary?.kind === 'group' ? summary.name : null);
  return name === null ? null : cleanText(name).replace(/\s+/g, ' ').trim();
}

/** "12:01 New message from alice — …", saying the group and how to get there for a group message or a mention. */
export function noticeText(state: ClientState, notice: Notice): string {
  const group = groupName(state, notice.conversationId);
  const time = formatTime(notice.ts);
  if (group === null) return `${time} New message from ${notice.from} — !back, then type ${notice.from} to read it.`;
  const what = notice.mention ? `${notice.from} mentioned you in “${group}”` : `New message from ${notice.from} in “${group}”`;
  return `${time} ${what} — type !go ${group} to read it.`;
}
