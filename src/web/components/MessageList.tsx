// The scrolling history: day separators, runs by sender, loads older pages at the top, sticks to the bottom.
import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactElement } from 'react';
import { formatDay, sameDay } from '../lib/time.js';
import type { MessageItem } from '../types.js';
import { Avatar } from './Avatar.js';
import { ArrowDownIcon } from './Icons.js';
import { MessageBubble } from './MessageBubble.js';

interface MessageListProps {
  conversationKey: string;
  peer: string;
  items: readonly MessageItem[];
  /** Older messages exist on the server that are not loaded yet. */
  more: boolean;
  /** The first page has arrived. */
  loaded: boolean;
  loadingOlder: boolean;
  now: number;
  onLoadOlder(): void;
  onDiscard(clientMsgId: string): void;
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
  const { conversationKey, peer, items, more, loaded, loadingOlder, now, onLoadOlder, onDiscard } = props;
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
      el.scrollTop = el.scrollHeight;
      setAway(false);
      setUnseen(false);
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
  }, [items, conversationKey]);

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
        aria-label={`Conversation history with ${peer}`}
        data-testid="history"
      >
        <div className="history-inner">
          {loaded && !more ? (
            <div className="history-start">
              <Avatar username={peer} size={64} />
              <strong>{peer}</strong>
              <span>This is the beginning of your conversation with {peer}.</span>
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
          <div role="log" className="history-list" aria-label={`Messages with ${peer}`}>
            {items.map((item, i) => {
              const before = items[i - 1];
              const newDay = !before || !sameDay(before.ts, item.ts);
              const first = newDay || before.from !== item.from || item.ts - before.ts > RUN_MS;
              return (
                <Fragment key={item.key}>
                  {newDay && (
                    <div className="day" role="separator" aria-label={formatDay(item.ts, now)}>
                      {formatDay(item.ts, now)}
                    </div>
                  )}
                  <MessageBubble item={item} first={first} onDiscard={onDiscard} />
                </Fragment>
              );
            })}
          </div>
        </div>
      </div>
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
