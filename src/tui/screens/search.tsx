// The search screen: messages on this device holding the words, newest first, each openable by its number.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useEffect, useState } from 'react';
import { ParleyError, type ParleyClient, type SearchHit } from '../../shared/client/index.js';
import { SEARCH, commandTable, type Status } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { formatTime } from '../format.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

interface Props {
  client: ParleyClient;
  query: string;
  /** Older history is being added to the index: the results are searched again when that ends. */
  indexing: boolean;
  columns: number;
  rows: number;
  onOpen(peer: string, conversationId: number): void;
  onBack(): void;
  onExit(): void;
}

export const SEARCH_COMMANDS = commandTable({
  title: 'Commands in the search results:',
  rows: [
    { keys: 'N', help: 'open the chat of result N (!go N too)' },
    { keys: 'WORDS', help: 'search again for these words' },
    // Long forms of the two above.
    { name: 'go', usage: 'N' },
    { name: 'search', needs: SEARCH.needs },
  ],
  aliases: { open: 'go' },
  back: 'return to the menu',
});

/** The snippet in pieces, matched words apart, so each piece is drawn (and cleaned) on its own. */
function pieces(hit: SearchHit): Array<{ text: string; marked: boolean }> {
  const out: Array<{ text: string; marked: boolean }> = [];
  let at = 0;
  for (const [start, end] of hit.marks) {
    if (start > at) out.push({ text: hit.snippet.slice(at, start), marked: false });
    out.push({ text: hit.snippet.slice(start, end), marked: true });
    at = end;
  }
  if (at < hit.snippet.length) out.push({ text: hit.snippet.slice(at), marked: false });
  return out;
}

export function Search({ client, query: initial, indexing, columns, rows, onOpen, onBack, onExit }: Props) {
  const tone = useTone();
  const [query, setQuery] = useState(initial);
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [status, setStatus] = useState<Status | null>(null);

  useEffect(() => {
    let current = true;
    setStatus({ text: 'Searching…', error: false });
    client.search(query).then(
      (found) => {
        if (!current) return;
        setHits(found);
        if (indexing) setStatus({ text: 'Older messages are still being added to the search; the results will update.', error: false });
        else setStatus(found.length === 0 ? { text: 'No message on this device holds all of these words.', error: false } : null);
      },
      (error: unknown) => {
        if (!current) return;
        setHits([]);
        setStatus({ text: error instanceof ParleyError ? error.message : 'The search did not work; try again.', error: true });
      },
    );
    return () => {
      current = false;
    };
  }, [client, query, indexing]);

  const open = async (hit: SearchHit) => {
    setStatus({ text: `Opening the chat with ${hit.peer}…`, error: false });
    try {
      const conversation = await client.openConversation(hit.peer);
      onOpen(conversation.kind === 'direct' ? conversation.peer : hit.peer, conversation.id);
    } catch (error) {
      setStatus({ text: error instanceof ParleyError ? error.message : 'That chat could not be opened; try again.', error: true });
    }
  };

  const pick = (arg: string) => {
    const hit = /^\d+$/.test(arg) ? hits[Number(arg) - 1] : undefined;
    if (hit) return void open(hit);
    setStatus({ text: hits.length === 0 ? 'There is nothing to open.' : `Type a number from 1 to ${hits.length}.`, error: true });
  };

  const commands = useCommands(SEARCH_COMMANDS, {
    run: { go: pick, search: setQuery },
    // A number opens that result; other words search again.
    text: (text) => (/^\d+$/.test(text) ? pick(text) : setQuery(text)),
    back: onBack,
    exit: onExit,
    say: setStatus,
  });

  const helpLines = commands.help;
  const listRows = Math.max(1, rows - 1 /* title */ - helpLines.length - (status ? 1 : 0) - 1 /* hint */ - 1 /* prompt */);
  const shown = hits.slice(0, hits.length > listRows ? listRows - 1 : listRows);
  const numberWidth = String(shown.length).length;
  const nameWidth = Math.min(16, Math.max(4, ...shown.map((h) => h.peer.length)));
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold wrap="truncate-end">
        Search: {query}
        <Text {...tone('muted')}>{hits.length > 0 ? ` — ${hits.length} message${hits.length === 1 ? '' : 's'}, newest first` : ''}</Text>
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        {shown.map((hit, i) => {
          const head = `${String(i + 1).padStart(numberWidth)}  ${formatTime(hit.ts)}  ${hit.peer.padEnd(nameWidth)}  ${hit.from}: `;
          return (
            <Text key={`${hit.conversationId}:${hit.seq}`} wrap="truncate-end">
              <Text {...tone('muted')}>{head.slice(0, Math.max(columns, 1))}</Text>
              {pieces(hit).map((piece, j) =>
                piece.marked ? (
                  <Text key={j} inverse bold>
                    {piece.text}
                  </Text>
                ) : (
                  piece.text
                ),
              )}
            </Text>
          );
        })}
        {shown.length < hits.length ? <Text {...tone('muted')}>…and {hits.length - shown.length} more; add words to narrow it down</Text> : null}
      </Box>
      {helpLines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {status ? <Text {...tone(status.error ? 'error' : 'muted')}>{status.text}</Text> : null}
      <Text {...tone('muted')} wrap="truncate-end">
        Type a number to open that chat, other words to search again, !back for the menu.
      </Text>
      <Prompt onSubmit={commands.submit} />
    </Box>
  );
}
