// The scrolling history: day separators, runs by sender, loads older pages at the top, sticks to the bottom.
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { formatDay, sameDay } from '../lib/time.js';
import type { MessageItem, SystemLine } from '../types.js';
import { Avatar } from './avatar.js';
import { ArrowDownIcon } from './icons.js';
import type { MentionContext } from './linkified-text.js';
import { MessageBubble } from './message-bubble.js';

interface MessageListProps {
  conversationKey: string;
  /** Who the conversation is with, as its labels say it: the peer's username, or the group's name. */
  title: string;
  /** A group's parts: authors named on their messages, `@name` highlighted, membership lines in the flow. */
  group?: {
    mentions: MentionContext;
    lines: readonly SystemLine[];
    /** Drawn under the message with this key ("Seen by 3 of 5" under your last one). */
    footer?: { key: string; node: ReactNode };
  };
  items: readonly MessageItem[];
  /** Older messages exist on the server that are not loaded yet. */
  more: boolean;
  /** The first page has arrived. */
  loaded: boolean;
  loadingOlder: boolean;
  now: number;
  /** The seq of the first message that was unread when the conversation opened: a divider goes above it. */
  unreadFrom: number | null;
  onLoadOlder(): void;
  onDiscard(clientMsgId: string): void;
  onReply(text: string): void;
}

/** Distance from an edge, in pixels, that still counts as "at" it. */
const EDGE = 120;
/** Consecutive messages by one sender within this time form one visual run. */
const RUN_MS = 5 * 60 * 1000;

interface Snapshot {
  conversationKey: string;
  firstKey: string | undefined;
  lastKey: string | undefined;
  scrollHeight: number;
  atBottom: boolean;
}

export function MessageList(props: MessageListProps): ReactElement {
  const { conversationKey, title, group, items, more, loaded, loadingOlder, now, unreadFrom, onLoadOlder, onDiscard, onReply } = props;
  const rows = interleave(items, group?.lines ?? NO_LINES, loaded && !more);
  /** The first unread message, when loaded: the "New messages" divider goes above it. */
  const firstUnreadKey = unreadFrom === null ? undefined : items.find((i) => !i.mine && i.seq != null && i.seq >= unreadFrom)?.key;
  const divider = useRef<HTMLDivElement>(null);
  /** The reader asked for the first unread message, which an older page still has to bring. */
  const [seekingUnread, setSeekingUnread] = useState(false);
  const scroller = useRef<HTMLDivElement>(null);
  const last = useRef<Snapshot | null>(null);
  /** The reader scrolled away from the newest messages (shows the jump button). */
  const [away, setAway] = useState(false);
  /** Messages arrived below while the reader was away. */
  const [unseen, setUnseen] = useState(false);

  const maybeLoadOlder = useCallback(() => {
    const el = scroller.current;
    if (!el || !loaded || !more || loadingOlder) return;
    if (el.scrollTop < EDGE) onLoadOlder();
  }, [loaded, more, loadingOlder, onLoadOlder]);

  // Runs before paint, so the reader never sees the jump: keep the view still when older messages arrive
  // above, follow new messages at the bottom when the reader was already there (or sent them).
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const prev = last.current;
    const firstKey = items[0]?.key;
    const lastItem = items.at(-1);
    if (!prev || prev.conversationKey !== conversationKey) {
      // Opened with unread messages: the first of them at the top, under its divider; else the newest.
      const mark = divider.current;
      el.scrollTop = mark ? mark.offsetTop - el.offsetTop - 8 : el.scrollHeight;
      setAway(mark !== null && el.scrollHeight - el.scrollTop - el.clientHeight >= EDGE);
      setUnseen(false);
      setSeekingUnread(false);
    } else if (seekingUnread && divider.current) {
      el.scrollTop = divider.current.offsetTop - el.offsetTop - 8;
      setSeekingUnread(false);
    } else if (prev.firstKey !== firstKey && prev.lastKey === lastItem?.key) {
      el.scrollTop += el.scrollHeight - prev.scrollHeight;
    } else if (prev.lastKey !== lastItem?.key && (prev.atBottom || lastItem?.mine === true)) {
      el.scrollTop = el.scrollHeight;
    } else if (prev.lastKey !== lastItem?.key) {
      setUnseen(true);
    }
    last.current = {
      conversationKey,
      firstKey,
      lastKey: lastItem?.key,
      scrollHeight: el.scrollHeight,
      atBottom: el.scrollHeight - el.scrollTop - el.clientHeight < EDGE,
    };
  }, [items, conversationKey, seekingUnread]);

  // A short first page may not fill the pane, so no scroll event would ever ask for more.
  useEffect(() => {
    maybeLoadOlder();
  }, [items, maybeLoadOlder]);

  // The composer growing or the window resizing must not leave a reader who was at the bottom stranded.
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => {
      if (last.current?.atBottom) el.scrollTop = el.scrollHeight;
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const el = scroller.current;
    if (!el || !last.current) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE;
    last.current.atBottom = atBottom;
    last.current.scrollHeight = el.scrollHeight;
    setAway(!atBottom);
    if (atBottom) setUnseen(false);
    maybeLoadOlder();
  };

  const jumpToFirstUnread = () => {
    const el = scroller.current;
    if (el && divider.current) el.scrollTo({ top: divider.current.offsetTop - el.offsetTop - 8, behavior: 'smooth' });
    else {
      // Not loaded yet: older pages come until the divider can be drawn (the layout effect then scrolls).
      setSeekingUnread(true);
      onLoadOlder();
    }
  };
  // Keep asking for older pages while the reader waits for the first unread message.
  useEffect(() => {
    if (seekingUnread && firstUnreadKey === undefined && more && !loadingOlder) onLoadOlder();
    if (seekingUnread && !more && firstUnreadKey === undefined) setSeekingUnread(false);
  }, [seekingUnread, firstUnreadKey, more, loadingOlder, onLoadOlder]);
  const unreadAbove = unreadFrom !== null && (firstUnreadKey === undefined ? more : false);

  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' });
  };

  return (
    <div className="history-wrap">
      <div
        className="history"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
        aria-label={group ? `History of ${title}` : `Conversation history with ${title}`}
        data-testid="history"
      >
        <div className="history-inner">
          {loaded && !more ? (
            <div className="history-start">
              {!group && <Avatar username={title} size={64} />}
              <strong>{title}</strong>
              <span>{group ? `This is the beginning of ${title}.` : `This is the beginning of your conversation with ${title}.`}</span>
            </div>
          ) : (
            <div className="history-top" aria-live="polite">
              {(loadingOlder || !loaded) && (
                <>
                  <span className="spinner" aria-hidden="true" />
                  <span className="visually-hidden">Loading earlier messages</span>
                </>
              )}
            </div>
          )}
          <div role="log" className="history-list" aria-label={group ? `Messages in ${title}` : `Messages with ${title}`}>
            {rows.map((row, i) => {
              if (row.kind === 'line') {
                return (
                  <div key={row.line.key} className="system-line" data-after-seq={row.line.afterSeq}>
                    <span dir="auto">{row.line.text}</span>
                  </div>
                );
              }
              const item = row.item;
              const previous = rows[i - 1];
              const before = previous?.kind === 'message' ? previous.item : undefined;
              const newDay = !before || !sameDay(before.ts, item.ts);
              const first = newDay || before.from !== item.from || item.ts - before.ts > RUN_MS;
              return (
                <Fragment key={item.key}>
                  {newDay && (
                    <div className="day" role="separator" aria-label={formatDay(item.ts, now)}>
                      {formatDay(item.ts, now)}
                    </div>
                  )}
                  {item.key === firstUnreadKey && (
                    <div className="unread-divider" ref={divider} role="separator" aria-label="New messages">
                      <span>New messages</span>
                    </div>
                  )}
                  <MessageBubble
                    item={item}
                    first={first || item.key === firstUnreadKey}
                    showAuthor={group !== undefined}
                    mentions={group?.mentions}
                    onDiscard={onDiscard}
                    onReply={onReply}
                  />
                  {group?.footer?.key === item.key && group.footer.node}
                </Fragment>
              );
            })}
          </div>
        </div>
      </div>
      {unreadAbove && (
        <button type="button" className="jump-btn jump-unread" data-unseen="true" onClick={jumpToFirstUnread}>
          <span className="jump-label">{seekingUnread ? 'Loading…' : 'Jump to first unread'}</span>
        </button>
      )}
      {away && (
        <button
          type="button"
          className="jump-btn"
          data-unseen={unseen}
          onClick={jumpToLatest}
          aria-label={unseen ? 'New messages: jump to the latest' : 'Jump to the latest message'}
        >
          {unseen && <span className="jump-label">New messages</span>}
          <ArrowDownIcon />
        </button>
      )}
    </div>
  );
}

const NO_LINES: readonly SystemLine[] = [];

type Row = { kind: 'message'; item: MessageItem } | { kind: 'line'; line: SystemLine };

/**
 * Messages with the membership lines slotted in after the message they followed (`afterSeq`); a line
 * from before the loaded page shows only once the whole history is loaded (`complete`).
 */
function interleave(items: readonly MessageItem[], lines: readonly SystemLine[], complete: boolean): Row[] {
  if (lines.length === 0) return items.map((item) => ({ kind: 'message', item }));
  const firstSeq = items.find((i) => i.seq !== null)?.seq ?? null;
  const pending = lines.filter((l) => complete || firstSeq === null || l.afterSeq >= firstSeq - 1);
  const rows: Row[] = [];
  let next = 0;
  for (const item of items) {
    while (next < pending.length && (item.seq === null || item.seq > pending[next]!.afterSeq)) rows.push({ kind: 'line', line: pending[next++]! });
    rows.push({ kind: 'message', item });
  }
  while (next < pending.length) rows.push({ kind: 'line', line: pending[next++]! });
  return rows;
}
