// The sidebar's list of conversations: newest first, each with preview, time, unread badge and online dot.
import type { ReactElement } from 'react';
import type { DirectSummary } from '../../shared/protocol.js';
import type { OutboxEntry } from '../../shared/client/index.js';
import { previewText } from '../../shared/client/index.js';
import { formatListTime } from '../lib/time.js';
import { Avatar } from './avatar.js';

interface ConversationListProps {
  me: string;
  conversations: readonly DirectSummary[];
  /** Each peer's newest unsent message: shown instead of the last delivered one when it is newer. */
  pending: ReadonlyMap<string, OutboxEntry>;
  activeId: number | null;
  online: ReadonlySet<string>;
  typingIn: ReadonlySet<number>;
  now: number;
  onSelect(conversationId: number): void;
}

export function ConversationList(props: ConversationListProps): ReactElement {
  const { me, conversations, pending, activeId, online, typingIn, now, onSelect } = props;
  return (
    <ul className="conv-list" aria-label="Conversations">
      {conversations.map((c) => {
        const delivered = c.lastMessage;
        const queued = pending.get(c.peer);
        const unsent = queued !== undefined && queued.createdAt >= (delivered?.ts ?? -1) ? queued : undefined;
        const last = unsent ? { from: me, ts: unsent.createdAt, text: unsent.body } : delivered && { from: delivered.from, ts: delivered.ts, text: previewText(delivered) };
        const unread = c.unread > 0;
        const isOnline = online.has(c.peer);
        const typing = typingIn.has(c.id);
        // Said after the name, not as an aria-label: the button's name then starts with what it shows.
        const status = [isOnline ? 'online' : null, unread ? `${c.unread} unread` : null].filter(Boolean).join(', ');
        return (
          <li key={c.id}>
            <button
              type="button"
              className="conv-item"
              aria-current={c.id === activeId}
              data-unread={unread}
              data-peer={c.peer}
              onClick={() => onSelect(c.id)}
            >
              <Avatar username={c.peer} online={isOnline} size={44} />
              <span className="conv-main">
                <span className="conv-top">
                  <span className="conv-name">{c.peer}</span>
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
                          {unsent ? (unsent.status === 'failed' ? 'Not sent: ' : 'Sending: ') : last.from === me ? 'You: ' : ''}
                          {/* The text isolated: right-to-left text or a stray override cannot reorder "You:" around it. */}
                          <bdi>{oneLine(last.text)}</bdi>
                        </>
                      ) : (
                        'No messages yet'
                      )}
                    </span>
                  )}
                  {unread && (
                    <span className="badge" aria-hidden="true">
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
