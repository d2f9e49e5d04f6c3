// The sidebar's list of conversations: newest first, each with preview, time, unread badge and online dot;
// groups with their initials, the author of the last message, a muted mark and an @ when you were mentioned.
import type { ReactElement } from 'react';
import type { ConversationSummary } from '../../shared/protocol.js';
import type { OutboxEntry } from '../../shared/client/index.js';
import { previewText } from '../../shared/client/index.js';
import { formatListTime } from '../lib/time.js';
import { Avatar, GroupAvatar } from './avatar.js';
import { BellOffIcon } from './icons.js';

/** What the list shows of a group beyond its summary: the name from the verified chain, mute and mentions. */
export interface GroupListing {
  name: string;
  muted: boolean;
  /** An unread message mentions you. */
  mentioned: boolean;
}

interface ConversationListProps {
  me: string;
  conversations: readonly ConversationSummary[];
  /** Each conversation's newest unsent message (by conversationKey): shown instead of the last delivered one when newer. */
  pending: ReadonlyMap<string, OutboxEntry>;
  groups: ReadonlyMap<number, GroupListing>;
  activeId: number | null;
  online: ReadonlySet<string>;
  typingIn: ReadonlySet<number>;
  now: number;
  onSelect(conversationId: number): void;
}

/** A key naming a conversation before it has an id (a first message to someone): the peer, or the group's id. */
export const conversationKey = (c: ConversationSummary): string => (c.kind === 'direct' ? c.peer : `#${c.id}`);

export function ConversationList(props: ConversationListProps): ReactElement {
  const { me, conversations, pending, groups, activeId, online, typingIn, now, onSelect } = props;
  return (
    <ul className="conv-list" aria-label="Conversations">
      {conversations.map((c) => {
        const delivered = c.lastMessage;
        const queued = pending.get(conversationKey(c));
        const unsent = queued !== undefined && queued.createdAt >= (delivered?.ts ?? -1) ? queued : undefined;
        const last = unsent ? { from: me, ts: unsent.createdAt, text: unsent.body } : delivered && { from: delivered.from, ts: delivered.ts, text: previewText(delivered) };
        const unread = c.unread > 0;
        const group = c.kind === 'group' ? (groups.get(c.id) ?? { name: c.name, muted: false, mentioned: false }) : null;
        const title = c.kind === 'direct' ? c.peer : (group?.name ?? c.name);
        const isOnline = c.kind === 'direct' && online.has(c.peer);
        const typing = typingIn.has(c.id);
        const author = last && group && last.from !== me ? `${last.from}: ` : '';
        // Said after the name, not as an aria-label: the button's name then starts with what it shows.
        const status = [
          group ? 'group' : null,
          isOnline ? 'online' : null,
          group?.muted ? 'muted' : null,
          group?.mentioned ? 'mentions you' : null,
          unread ? `${c.unread} unread` : null,
        ]
          .filter(Boolean)
          .join(', ');
        return (
          <li key={c.id}>
            <button
              type="button"
              className="conv-item"
              aria-current={c.id === activeId}
              data-unread={unread}
              data-kind={c.kind}
              data-peer={c.kind === 'direct' ? c.peer : undefined}
              data-group={c.kind === 'group' ? c.id : undefined}
              data-muted={group?.muted || undefined}
              onClick={() => onSelect(c.id)}
            >
              {c.kind === 'direct' ? <Avatar username={c.peer} online={isOnline} size={44} /> : <GroupAvatar name={title} seed={c.groupId} size={44} />}
              <span className="conv-main">
                <span className="conv-top">
                  {/* Isolated: a right-to-left or override character in a group's name cannot reorder the row. */}
                  <bdi className="conv-name">{title}</bdi>
                  {group?.muted && <BellOffIcon className="icon conv-muted" />}
                  {status && <span className="visually-hidden">, {status}</span>}
                  {last && (
                    <time className="conv-time" dateTime={new Date(last.ts).toISOString()}>
                      {formatListTime(last.ts, now)}
                    </time>
                  )}
                </span>
                <span className="conv-bottom">
                  {typing ? (
                    <span className="conv-preview conv-preview-typing">typing…</span>
                  ) : (
                    <span className="conv-preview">
                      {last ? (
                        <>
                          {unsent ? (unsent.status === 'failed' ? 'Not sent: ' : 'Sending: ') : last.from === me ? 'You: ' : author}
                          {/* The text isolated: right-to-left text or a stray override cannot reorder "You:" around it. */}
                          <bdi>{oneLine(last.text)}</bdi>
                        </>
                      ) : (
                        'No messages yet'
                      )}
                    </span>
                  )}
                  {group?.mentioned && (
                    <span className="badge badge-mention" aria-hidden="true">
                      @
                    </span>
                  )}
                  {unread && (
                    <span className="badge" aria-hidden="true" data-muted={group?.muted || undefined}>
                      {c.unread > 99 ? '99+' : c.unread}
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** Previews are one line: newlines and runs of spaces collapse, and very long bodies are cut early. */
function oneLine(body: string): string {
  return body.slice(0, 200).replace(/\s+/g, ' ').trim();
}
