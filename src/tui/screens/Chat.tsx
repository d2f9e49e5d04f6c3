// The chat screen: the conversation above, the input line below, live updates that never disturb typing.
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ParleyError, selectThread, threadOf, type ClientState, type ParleyClient, type ThreadItem } from '../../shared/client/index.js';
import { HELP, SEARCH_NEEDS_WORDS, parseLine, unknownCommand } from '../commands.js';
import { Prompt } from '../components/Prompt.js';
import { formatTime, rowsFor, statusMark } from '../format.js';
import { cleanText } from '../safe-text.js';
import { useTone } from '../theme.js';

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
}

const lineOf = (item: ThreadItem) => {
  const mark = item.mine ? statusMark(item.status, item.error) : '';
  // A message that failed to decrypt or verify shows why, never any text.
  const body = item.failure ? `⚠ ${item.failure.explanation} (${item.failure.reason})` : item.warning ? `${item.body}  ⚠ ${item.warning}` : item.body;
  return { time: formatTime(item.ts), name: cleanText(item.from), lines: bodyLines(body), mark };
};

/**
 * A message's own line breaks, each continued line marked: the body sits in a column right of the time and
 * name, so neither a line break nor a long line that wraps can start a row that reads as `HH:MM name:`.
 */
const bodyLines = (body: string): string[] => cleanText(body).split('\n').map((line, i) => (i === 0 ? line : `${CONTINUED}${line}`));
const CONTINUED = '↳ ';

/** Rows an item takes: its body column is as wide as the screen less the time and name in front of it. */
const rowsOf = (item: ThreadItem, columns: number) => {
  const l = lineOf(item);
  const head = `${l.time} ${l.name}: `.length;
  const text = l.lines.join('\n') + (l.mark ? ` ${l.mark}` : '');
  return rowsFor(text, Math.max(columns - head, 8));
};

/** The slice of items that fits `budget` rows and ends `fromEnd` items before the newest. */
function visibleSlice(items: readonly ThreadItem[], fromEnd: number, budget: number, columns: number) {
  const end = Math.max(items.length - fromEnd, 0);
  let start = end;
  let used = 0;
  while (start > 0) {
    const need = rowsOf(items[start - 1]!, columns);
    if (used + need > budget && start < end) break;
    used += need;
    start -= 1;
    if (used >= budget) break;
  }
  return { start, end };
}

/** How many items, from the oldest, fill `budget` rows. */
function visibleSliceFromStart(items: readonly ThreadItem[], budget: number, columns: number): number {
  let used = 0;
  let count = 0;
  for (const item of items) {
    used += rowsOf(item, columns);
    if (used > budget && count > 0) break;
    count += 1;
  }
  return count;
}

export function Chat({ client, state, peer, conversationId, columns, rows, onBack, onSearch, onExit }: Props) {
  const tone = useTone();
  const [fromEnd, setFromEnd] = useState(0);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [help, setHelp] = useState(false);
  const [loading, setLoading] = useState(false);
  /** The safety number last shown for each contact: `!verify NAME yes` confirms exactly that one. */
  const shownNumbers = useRef(new Map<string, string>());

  const summary = state.conversations.find((c) => c.id === conversationId);
  const thread = threadOf(state, conversationId);
  const items = useMemo(
    () => selectThread(state, conversationId, peer),
    // selectThread reads only these parts of the snapshot, so typing or presence changes don't recompute it
    [state.threads, state.outbox, state.conversations, state.session, conversationId, peer],
  );
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

  // What is on screen counts as read.
  const lastSeq = summary?.lastSeq ?? 0;
  const readSeq = summary?.readSeq ?? 0;
  useEffect(() => {
    if (online && lastSeq > readSeq) void client.markRead(conversationId, lastSeq);
  }, [client, conversationId, lastSeq, readSeq, online]);

  // The conversation's encryption events: a refused key or a misdirection stays on screen; otherwise the newest key.
  const events = state.security[conversationId] ?? [];
  const security = [...events].reverse().find((e) => e.kind !== 'new-epoch') ?? events.at(-1);

  const helpLines = help ? HELP.chat : [];
  const fixed = (warning ? 1 : 0) + (security ? 1 : 0) + 1 /* title */ + 1 /* typing or blank */ + 1 /* notice or blank */ + helpLines.length + (message ? rowsFor(message.text, columns) : 0) + 1 /* prompt */;
  const budget = Math.max(1, rows - fixed);
  // Scrolling stops where the oldest loaded message sits on the top row.
  const firstPage = visibleSliceFromStart(items, budget, columns);
  const scrolled = Math.min(fromEnd, Math.max(items.length - firstPage, 0));
  const { start, end } = visibleSlice(items, scrolled, budget, columns);
  const step = Math.max(end - start - 1, 1);

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
      return true;
    } catch (error) {
      setMessage({ text: error instanceof ParleyError ? error.message : 'The message could not be queued.', error: true });
      return false;
    }
  };

  const onSubmit = (line: string): boolean | void => {
    setHelp(false);
    if (notice) client.dismissNotice(notice.id);
    const parsed = parseLine(line);
    if (parsed.kind === 'empty') return;
    if (parsed.kind === 'text') return send(parsed.text);
    switch (parsed.name) {
      case 'exit':
        return onExit();
      case 'back':
        return onBack();
      case 'help':
        // The help replaces whatever the last command said, an old error included.
        setMessage(null);
        return setHelp(true);
      case 'more':
        return void older();
      case 'retry': {
        const failed = state.outbox.filter((e) => e.to === peer && e.status === 'failed');
        for (const entry of failed) client.retry(entry.clientMsgId);
        return setMessage({ text: failed.length ? `Sending ${failed.length} message(s) again.` : 'Nothing to send again.', error: false });
      }
      case 'search':
        return parsed.arg === '' ? setMessage({ text: SEARCH_NEEDS_WORDS, error: true }) : onSearch(parsed.arg);
      case 'verify':
        return void verify(parsed.arg);
      default:
        return setMessage({ text: unknownCommand(parsed.name), error: true });
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

  const visible = items.slice(start, end);
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
        {visible.map((item) => {
          const l = lineOf(item);
          return (
            <Box key={item.key}>
              <Box flexShrink={0}>
                <Text {...tone('muted')}>{l.time} </Text>
                <Text bold={item.mine}>{l.name}: </Text>
              </Box>
              <Text wrap="wrap">
                {item.failure ? <Text {...tone('error')}>{l.lines.join('\n')}</Text> : l.lines.join('\n')}
                {l.mark ? <Text {...tone(item.status === 'failed' ? 'error' : 'muted')}> {l.mark}</Text> : null}
              </Text>
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
        onSubmit={onSubmit}
        onChange={(value) => client.typing(conversationId, value !== '' && !value.startsWith('!'))}
        onPage={(direction) => (direction === 'up' ? void older() : newer())}
      />
    </Box>
  );
}
