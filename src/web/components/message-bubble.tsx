// One message: its text (links as links, never HTML), the time, and for our own the delivery mark.
import { memo, type CSSProperties, type ReactElement } from 'react';
import { avatarHue } from '../lib/avatar.js';
import { splitMentions } from '../lib/mentions.js';
import { formatClock, formatPrecise } from '../lib/time.js';
import type { DeliveryStatus, MessageItem } from '../types.js';
import { ClockMark, DoubleTickMark, TickMark } from './icons.js';
import { LinkifiedText, type MentionContext } from './linkified-text.js';
import { MessageMenu, splitQuote } from './message-menu.js';

const STATUS_LABEL: Record<DeliveryStatus, string> = {
  sending: 'Sending',
  sent: 'Sent',
  seen: 'Seen',
  failed: 'Not sent',
};

function StatusMark({ status }: { status: DeliveryStatus }): ReactElement {
  const props = { className: 'icon mark', 'data-status': status };
  if (status === 'sending') return <ClockMark {...props} />;
  if (status === 'seen') return <DoubleTickMark {...props} />;
  if (status === 'sent') return <TickMark {...props} />;
  return <span aria-hidden="true">!</span>;
}

interface MessageBubbleProps {
  item: MessageItem;
  /** First of a run by the same sender: gets the extra space and the pointed corner. */
  first: boolean;
  /** In a group: the author's name (in their colour) heads the first message of each run by someone else. */
  showAuthor?: boolean;
  /** In a group: the members whose `@name` is highlighted. */
  mentions?: MentionContext | undefined;
  /** Drops a message the server refused for good. */
  onDiscard?(clientMsgId: string): void;
  /** Quotes the message's text into the composer. */
  onReply?(text: string): void;
}

export const MessageBubble = memo(function MessageBubble({ item, first, showAuthor = false, mentions, onDiscard, onReply }: MessageBubbleProps): ReactElement {
  const status = item.mine ? item.status : null;
  const { quote, rest } = item.failure ? { quote: null, rest: '' } : splitQuote(item.body);
  const mentionsMe = mentions !== undefined && !item.mine && splitMentions(rest, mentions.names, mentions.me).some((p) => p.kind === 'mention' && p.me);
  return (
    <div
      className="msg"
      data-mine={item.mine}
      data-first={first}
      data-status={status ?? undefined}
      data-seq={item.seq ?? undefined}
      data-from={item.from}
      data-mentions-me={mentionsMe || undefined}
    >
      <div className="bubble">
        {showAuthor && first && !item.mine ? (
          <span className="bubble-author" style={{ '--hue': avatarHue(item.from) } as CSSProperties}>
            {item.from}
            <span className="visually-hidden">: </span>
          </span>
        ) : (
          <span className="visually-hidden">{item.mine ? 'You' : item.from}: </span>
        )}
        {item.failure ? (
          <span className="bubble-text bubble-failure" data-failure={item.failure.reason}>
            ⚠ This message cannot be shown: {item.failure.explanation}.
          </span>
        ) : (
          <span className="bubble-text" dir="auto">
            {quote !== null && (
              <blockquote className="bubble-quote" dir="auto">
                <LinkifiedText text={quote} mentions={mentions} />
              </blockquote>
            )}
            <LinkifiedText text={rest} mentions={mentions} />
          </span>
        )}
        {item.warning && (
          <span className="bubble-warning" role="note">
            ⚠ {item.warning}
          </span>
        )}
        <span className="bubble-meta" title={status === 'failed' && item.error ? item.error.message : formatPrecise(item.ts)}>
          <time dateTime={new Date(item.ts).toISOString()}>{formatClock(item.ts)}</time>
          {status && (
            <>
              <StatusMark status={status} />
              <span className="visually-hidden">, {STATUS_LABEL[status]}</span>
              {status === 'failed' && <span className="fail-text">Not sent</span>}
            </>
          )}
        </span>
        {status === 'failed' && (
          <span className="bubble-failure">
            {item.error?.message ?? 'The server refused this message.'}
            {onDiscard && item.clientMsgId !== undefined && (
              <button type="button" className="link-btn" onClick={() => onDiscard(item.clientMsgId ?? '')}>
                Delete
              </button>
            )}
          </span>
        )}
      </div>
      {!item.failure && onReply && <MessageMenu label={item.mine ? 'Actions for your message' : `Actions for ${item.from}'s message`} text={item.body} onReply={onReply} />}
    </div>
  );
});
