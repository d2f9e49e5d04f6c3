// The one-line notice a chat screen shows when a message arrives in another conversation, and group names as shown.
import type { ClientState, Notice } from '../shared/client/index.js';
import { formatTime } from './format.js';

/** A group's name: the verified chain's (the SDK's GroupView), the server's summary until the chain is read. */
export function groupName(state: ClientState, conversationId: number): string | null {
  const verified = state.groups[conversationId]?.name;
  if (verified !== undefined) return verified;
  const summary = state.conversations.find((c) => c.id === conversationId);
  return summary?.kind === 'group' ? summary.name : null;
}

/** "12:01 New message from alice — …", saying the group and how to get there for a group message or a mention. */
export function noticeText(state: ClientState, notice: Notice): string {
  const group = groupName(state, notice.conversationId);
  const time = formatTime(notice.ts);
  if (group === null) return `${time} New message from ${notice.from} — !back, then type ${notice.from} to read it.`;
  const what = notice.mention ? `${notice.from} mentioned you in “${group}”` : `New message from ${notice.from} in “${group}”`;
  return `${time} ${what} — type !go ${group} to read it.`;
}
