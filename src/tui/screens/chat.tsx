// The chat screen: the conversation above, the input line below, live updates that never disturb typing.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { selectThread, type ClientState, type ParleyClient } from '../../shared/client/index.js';
import { GO_AND_KEYS, SEARCH, commandNames, commandTable, type Status } from '../commands.js';
import { ChatFooter, chatActions } from '../chat-actions.js';
import { LineEditorContext, promptRows } from '../components/prompt.js';
import { MessageList } from '../components/message-list.js';
import { rowsFor } from '../format.js';
import { knownNames } from '../open-chat.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';
import { useThreadView } from '../use-thread-view.js';

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
  onOpen(peer: string, conversationId: number, group?: boolean): void;
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

export function Chat({ client, state, peer, conversationId, columns, rows, onBack, onSearch, onExit, onOpen }: Props) {
  const tone = useTone();
  const editor = useContext(LineEditorContext);
  const draftRows = useSyncExternalStore(editor.subscribe, () => promptRows(editor.value));
  const [message, setMessage] = useState<Status | null>(null);
  /** The safety number last shown for each contact: `!verify NAME yes` confirms exactly that one. */
  const shownNumbers = useRef(new Map<string, string>());

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
  const view = useThreadView({ client, state, conversationId, items, budget, columns, say: setMessage });
  const older = view.older;

  const { send, retry, go } = chatActions({
    client,
    state,
    conversationId,
    queue: (text) => client.send(peer, text),
    mine: (entry) => entry.to === peer,
    sent: view.sent,
    say: setMessage,
    onOpen,
  });

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
          · {view.above ? (view.loading ? 'loading older…' : 'PageUp or !more for older') : 'start of conversation'}
          {view.scrolled > 0 ? ' · PageDown for newer' : ''} · !back for the menu
        </Text>
      </Text>
      {security ? (
        <Text {...tone(security.kind === 'new-epoch' ? 'muted' : 'error')} bold={security.kind !== 'new-epoch'} wrap="truncate-end">
          {security.kind === 'new-epoch' ? '🔒' : '⚠'} {security.text}
        </Text>
      ) : null}
      <MessageList visible={view.visible} over={view.over} empty="No messages yet. Say hello!" />
      <ChatFooter
        client={client}
        state={state}
        conversationId={conversationId}
        typing={typing ? `${peer} is typing…` : null}
        notice={notice}
        helpLines={helpLines}
        message={message}
        submit={commands.submit}
        older={() => void older()}
        newer={view.newer}
        completions={() => [...commandNames(CHAT_COMMANDS), ...knownNames(state)]}
        say={setMessage}
      />
    </Box>
  );
}
