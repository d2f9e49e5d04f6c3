// The chat screen: the conversation above, the input line below, live updates that never disturb typing.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { ParleyError, selectThread, threadOf, type ClientState, type ParleyClient, type ThreadItem } from '../../shared/client/index.js';
import { GO_AND_KEYS, SEARCH, commandNames, commandTable, type Status } from '../commands.js';
import { LineEditorContext, Prompt, promptRows } from '../components/prompt.js';
import { dayLabel, dayOf, formatClock, formatTime, rowsFor, statusMark } from '../format.js';
import { knownNames, openChat } from '../open-chat.js';
import { cleanText } from '../safe-text.js';
import { useNameColor, useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

interface Props {
  client: ParleyClient;
  state: ClientState;
  peer: string;
  conversationId: number;
  columns: number;
  rows: number;
  onBack(): void;
  /** Opens the search results for these words. */
  onSearch(query: string): void;
  onExit(): void;
  /** `!go`: another chat. */
  onOpen(peer: string, conversationId: number): void;
}

export const CHAT_COMMANDS = commandTable({
  title: 'Commands in a chat:',
  rows: [
    { name: 'more', help: 'show older messages (or PageUp; PageDown goes forward)' },
    { name: 'retry', help: 'send again the messages marked "not sent"' },
    { name: 'verify', help: 'show the safety number with this contact; !verify yes marks it verified' },
    ...GO_AND_KEYS,
    { keys: 'Alt+Enter', help: 'a new line in the message (Ctrl+J too); a paste of several lines is one message' },
    SEARCH,
    { keys: '!!text', help: 'send a message that starts with "!" (//text one that starts with "/")' },
  ],
  back: 'return to the menu',
});

const lineOf = (item: ThreadItem) => {
  const mark = item.mine ? statusMark(item.status, item.error) : '';
  // A message that failed to decrypt or verify shows why, never any text.
  const body = item.failure ? `⚠ ${item.failure.explanation} (${item.failure.reason})` : item.warning ? `${item.body}  ⚠ ${item.warning}` : item.body;
  // The day is on the separator above, so the time alone.
  return { time: formatClock(item.ts), name: cleanText(item.from), lines: bodyLines(body), mark };
};

/**
 * A message's own line breaks, each continued line marked: the body sits in a column right of the time and
 * name, so neither a line break nor a long line that wraps can start a row that reads as `HH:MM name:`.
 */
const bodyLines = (body: string): string[] => cleanText(body).split('\n').map((line, i) => (i === 0 ? line : `${CONTINUED}${line}`));
const CONTINUED = '↳ ';

/** A message as the chat lays it out: under a day separator when it starts a day, under the divider when it is the first unread. */
interface Entry {
  item: ThreadItem;
  startsDay: boolean;
  firstUnread: boolean;
}

/** The items with their separators: a day's first message (the oldest loaded one too) and the first one unread since `since`. */
function entriesOf(items: readonly ThreadItem[], since: number | null): Entry[] {
  const firstUnread = since === null ? -1 : items.findIndex((item) => !item.mine && item.seq !== null && item.seq > since);
  return items.map((item, i) => ({
    item,
    startsDay: i === 0 || dayOf(items[i - 1]!.ts) !== dayOf(item.ts),
    firstUnread: i === firstUnread,
  }));
}

/** Rows an entry takes: its separators, and a body column as wide as the screen less the time and name in front of it. */
const rowsOf = (entry: Entry, columns: number) => {
  const l = lineOf(entry.item);
  const head = `${l.time} ${l.name}: `.length;
  const text = l.lines.join('\n') + (l.mark ? ` ${l.mark}` : '');
  return rowsFor(text, Math.max(columns - head, 8)) + (entry.startsDay ? 1 : 0) + (entry.firstUnread ? 1 : 0);
};

/** The extra row an entry takes on the top row: the top message always shows its day. */
const topRow = (entry: Entry) => (entry.startsDay ? 0 : 1);

/** The slice of entries that fits `budget` rows and ends `fromEnd` entries before the newest. */
function visibleSlice(entries: readonly Entry[], fromEnd: number, budget: number, columns: number) {
  const end = Math.max(entries.length - fromEnd, 0);
  let start = end;
  let used = 0;
  while (start > 0) {
    const entry = entries[start - 1]!;
    const need = rowsOf(entry, columns);
    if (used + need + topRow(entry) > budget && start < end) break;
    used += need;
    start -= 1;
    if (used + topRow(entry) >= budget) break;
  }
  // Rows of the top message that do not fit: one message taller than the screen shows its end.
  const top = entries[start];
  const over = top ? Math.max(0, used + topRow(top) - budget) : 0;
  return { start, end, over };
}

/** A body without its first lines: `hidden` rows' worth, and one more for the line that says so. */
function withoutTop(lines: string[], hidden: number): string[] {
  if (hidden <= 0) return lines;
  const cut = Math.min(hidden + 1, lines.length - 1);
  return [`(${cut} line${cut === 1 ? '' : 's'} above)`, ...lines.slice(cut).map((line) => (line.startsWith(CONTINUED) ? line : `${CONTINUED}${line}`))];
}

/** How many entries, from `from` on, fill `budget` rows. */
function countFitting(entries: readonly Entry[], from: number, budget: number, columns: number): number {
  let used = entries[from] ? topRow(entries[from]) : 0;
  let count = 0;
  for (const entry of entries.slice(from)) {
    used += rowsOf(entry, columns);
    if (used > budget && count > 0) break;
    count += 1;
  }
  return count;
}

export function Chat({ client, state, peer, conversationId, columns, rows, onBack, onSearch, onExit, onOpen }: Props) {
  const tone = useTone();
  const nameColor = useNameColor();
  const editor = useContext(LineEditorContext);
  const draftRows = useSyncExternalStore(editor.subscribe, () => promptRows(editor.value));
  const [fromEnd, setFromEnd] = useState(0);
  const [message, setMessage] = useState<Status | null>(null);
  const [loading, setLoading] = useState(false);
  /** The safety number last shown for each contact: `!verify NAME yes` confirms exactly that one. */
  const shownNumbers = useRef(new Map<string, string>());

  const summary = state.conversations.find((c) => c.id === conversationId);
  // What was unread when the chat opened: the "new messages" divider goes above it until the user sends.
  const [since, setSince] = useState(() => (summary && summary.lastSeq > summary.readSeq ? summary.readSeq : null));
  const thread = threadOf(state, conversationId);
  const items = useMemo(
    () => selectThread(state, conversationId, peer),
    // selectThread reads only these parts of the snapshot, so typing or presence changes don't recompute it
    [state.threads, state.outbox, state.conversations, state.session, conversationId, peer],
  );
  const entries = useMemo(() => entriesOf(items, since), [items, since]);
  const online = state.connection.status === 'online';
  const peerOnline = state.online.includes(peer);
  const typing = (state.typing[conversationId] ?? []).includes(peer);
  const notice = state.notices.at(-1);
  const keys = state.contacts[peer];
  const warning =
    keys?.status === 'changed'
      ? `⚠ ${peer}'s keys changed${keys.wasVerified ? ' (they were verified!)' : ''} — if you did not expect this, the server may be intercepting. Type !verify to compare the new safety number.`
      : null;

  useEffect(() => {
    client.setActiveConversation(conversationId);
    return () => client.setActiveConversation(null);
  }, [client, conversationId]);

  // The conversation's encryption events: a refused key or a misdirection stays on screen; otherwise the newest key.
  const events = state.security[conversationId] ?? [];
  const security = [...events].reverse().find((e) => e.kind !== 'new-epoch') ?? events.at(-1);

  // Wrappers: what the commands do is defined below, from the layout the help takes part in.
  const commands = useCommands(CHAT_COMMANDS, {
    run: { more: () => void older(), retry: () => retry(), verify: (arg) => void verify(arg), go: (target) => void go(target), search: onSearch },
    text: (text) => send(text),
    back: onBack,
    exit: onExit,
    say: setMessage,
  });
  const helpLines = commands.help;
  const fixed = (warning ? 1 : 0) + (security ? 1 : 0) + 1 /* title */ + 1 /* typing or blank */ + 1 /* notice or blank */ + helpLines.length + (message ? rowsFor(message.text, columns) : 0) + draftRows;
  const budget = Math.max(1, rows - fixed);
  // Scrolling stops where the oldest loaded message sits on the top row.
  const firstPage = countFitting(entries, 0, budget, columns);
  const scrolled = Math.min(fromEnd, Math.max(entries.length - firstPage, 0));
  const { start, end, over } = visibleSlice(entries, scrolled, budget, columns);
  const step = Math.max(end - start - 1, 1);

  // A chat with unread messages opens with the first of them near the top, once they are loaded.
  const firstUnread = entries.findIndex((e) => e.firstUnread);
  const [placed, setPlaced] = useState(since === null);
  useEffect(() => {
    if (placed || (firstUnread < 0 && !thread.loaded)) return;
    if (firstUnread >= 0) setFromEnd(Math.max(entries.length - firstUnread - countFitting(entries, firstUnread, budget, columns), 0));
    setPlaced(true);
  }, [placed, firstUnread, thread.loaded, entries, budget, columns]);

  // Read is what was on screen: up to the newest message shown, not what lies below it (scrolled up, or still unplaced).
  const seenSeq = Math.max(0, ...entries.slice(start, end).map((e) => e.item.seq ?? 0));
  const readSeq = summary?.readSeq ?? 0;
  useEffect(() => {
    if (placed && online && seenSeq > readSeq) void client.markRead(conversationId, seenSeq);
  }, [client, conversationId, seenSeq, readSeq, online, placed]);

  const older = async () => {
    if (start > 0) {
      setFromEnd(scrolled + step);
      return;
    }
    if (thread.loaded && !thread.more) {
      setMessage({ text: 'This is the beginning of the conversation.', error: false });
      return;
    }
    setLoading(true);
    try {
      await client.loadOlder(conversationId);
      setFromEnd(scrolled + step);
      setMessage(null);
    } catch {
      setMessage({ text: 'Older messages could not be loaded right now; try again.', error: true });
    } finally {
      setLoading(false);
    }
  };
  const newer = () => setFromEnd(Math.max(0, scrolled - step));

  /** Queues the text; false when it was refused, so the input line keeps it. */
  const send = (text: string): boolean => {
    try {
      client.send(peer, text);
      setFromEnd(0);
      setMessage(null);
      setSince(null);
      return true;
    } catch (error) {
      setMessage({ text: error instanceof ParleyError ? error.message : 'The message could not be queued.', error: true });
      return false;
    }
  };

  const retry = () => {
    const failed = state.outbox.filter((e) => e.to === peer && e.status === 'failed');
    for (const entry of failed) client.retry(entry.clientMsgId);
    setMessage({ text: failed.length ? `Sending ${failed.length} message(s) again.` : 'Nothing to send again.', error: false });
  };

  const go = async (target: string) => {
    try {
      const opened = await openChat(client, target);
      if (opened.conversationId !== conversationId) onOpen(opened.peer, opened.conversationId);
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
    }
  };

  const verify = async (arg: string) => {
    const [first = '', second = ''] = arg.split(/\s+/);
    const yes = first === 'yes' || second === 'yes';
    const name = first !== '' && first !== 'yes' ? first : peer;
    try {
      if (yes) {
        // Only the number this screen showed: keys that changed since were never compared.
        const compared = shownNumbers.current.get(name);
        if (compared === undefined) {
          return setMessage({ text: `Type !verify ${name} first to see the safety number, and compare it before confirming.`, error: true });
        }
        await client.markVerified(name, true, compared);
        return setMessage({ text: `${name}'s keys are marked verified.`, error: false });
      }
      const number = await client.safetyNumber(name);
      shownNumbers.current.set(name, number.digits);
      setMessage({
        text: `Safety number with ${name}: ${number.digits} — ${number.verified ? 'verified' : 'not verified'}. Compare it with ${name} (in person or by a call); if it matches, type !verify ${name} yes.`,
        error: false,
      });
    } catch (error) {
      setMessage({ text: error instanceof Error ? error.message : 'The safety number is not available right now.', error: true });
    }
  };

  const visible = entries.slice(start, end);
  const above = start > 0 || thread.more;
  return (
    <Box flexDirection="column" height={rows}>
      {warning ? (
        <Text {...tone('error')} bold wrap="truncate-end">
          {warning}
        </Text>
      ) : null}
      <Text wrap="truncate-end">
        <Text bold>Chat with {peer}</Text>
        {online ? <Text {...tone(peerOnline ? 'ok' : 'muted')}> {peerOnline ? '● online' : '○ offline'}</Text> : null}
        <Text {...tone('muted')}>
          {' '}
          · {above ? (loading ? 'loading older…' : 'PageUp or !more for older') : 'start of conversation'}
          {scrolled > 0 ? ' · PageDown for newer' : ''} · !back for the menu
        </Text>
      </Text>
      {security ? (
        <Text {...tone(security.kind === 'new-epoch' ? 'muted' : 'error')} bold={security.kind !== 'new-epoch'} wrap="truncate-end">
          {security.kind === 'new-epoch' ? '🔒' : '⚠'} {security.text}
        </Text>
      ) : null}
      <Box flexDirection="column" flexGrow={1} justifyContent="flex-end" overflow="hidden">
        {visible.length === 0 ? <Text {...tone('muted')}>No messages yet. Say hello!</Text> : null}
        {visible.map((entry, i) => {
          const { item } = entry;
          const l = lineOf(item);
          const body = i === 0 ? withoutTop(l.lines, over) : l.lines;
          return (
            <Box key={item.key} flexDirection="column">
              {entry.startsDay || i === 0 ? (
                <Text {...tone('muted')} wrap="truncate-end">
                  ── {dayLabel(item.ts)} ──
                </Text>
              ) : null}
              {entry.firstUnread ? (
                <Text {...tone('notice')} wrap="truncate-end">
                  ── new messages ──
                </Text>
              ) : null}
              <Box>
                <Box flexShrink={0}>
                  <Text {...tone('muted')}>{l.time} </Text>
                  <Text bold={item.mine} {...nameColor(item.from)}>
                    {l.name}:{' '}
                  </Text>
                </Box>
                <Text wrap="wrap">
                  {item.failure ? <Text {...tone('error')}>{body.join('\n')}</Text> : body.join('\n')}
                  {l.mark ? <Text {...tone(item.status === 'failed' ? 'error' : 'muted')}> {l.mark}</Text> : null}
                </Text>
              </Box>
            </Box>
          );
        })}
      </Box>
      <Text {...tone('muted')}>{typing ? `${peer} is typing…` : ' '}</Text>
      <Text {...tone('notice')} wrap="truncate-end">
        {notice
          ? `${formatTime(notice.ts)} New message from ${notice.from} — !back, then type ${notice.from} to read it.`
          : ' '}
      </Text>
      {helpLines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {message ? <Text {...tone(message.error ? 'error' : 'muted')}>{message.text}</Text> : null}
      <Prompt
        onSubmit={(line) => {
          if (notice) client.dismissNotice(notice.id);
          return commands.submit(line);
        }}
        onChange={(value) => client.typing(conversationId, value !== '' && !/^[!/]/.test(value))}
        onPage={(direction) => (direction === 'up' ? void older() : newer())}
        multiline
        history="chat"
        completions={() => [...commandNames(CHAT_COMMANDS), ...knownNames(state)]}
        onCompletions={(options) => setMessage({ text: options.join('  '), error: false })}
      />
    </Box>
  );
}
