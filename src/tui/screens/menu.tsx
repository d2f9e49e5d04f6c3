// The menu: who is online (you marked; a page of them when many), your conversations newest first with unread counts, and "type a username".
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useEffect, useState } from 'react';
import { previewText, type ClientState, type ParleyClient } from '../../shared/client/index.js';
import { useActiveUsers } from '../../shared/react/active-users.js';
import { MENU_PAGE_SIZE, onlineSummary } from '../active-users.js';
import { GO_AND_KEYS, SEARCH, commandNames, commandTable, type Status } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { formatTime, preview } from '../format.js';
import { directConversations, knownNames, openChat } from '../open-chat.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

interface Props {
  client: ParleyClient;
  state: ClientState;
  columns: number;
  /** Rows this screen may use. */
  rows: number;
  onOpen(peer: string, conversationId: number): void;
  onAccount(): void;
  onBack(): void;
  /** Opens the search results for these words. */
  onSearch(query: string): void;
  onExit(): void;
}

export const MENU_COMMANDS = commandTable({
  title: 'Commands in the menu:',
  rows: [
    { keys: 'USERNAME', help: 'type any registered username to open a chat (case sensitive)' },
    ...GO_AND_KEYS,
    { name: 'account', help: 'your signed-in devices, your password, your keys, sign out everywhere' },
    SEARCH,
  ],
  aliases: { logout: 'back', sessions: 'account', password: 'account' },
  back: 'log out and return to the login pages',
});

export function Menu({ client, state, columns, rows, onOpen, onAccount, onBack, onSearch, onExit }: Props) {
  const tone = useTone();
  const me = state.session?.username ?? '';
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Status | null>(null);
  // Everyone online is a request; contacts' presence (state.online) comes live and triggers a refresh.
  const active = useActiveUsers(client, state.session !== null && state.connection.status === 'online', state.online, MENU_PAGE_SIZE);

  // The menu's unread counts say it all; a notice would only resurface later in some chat.
  useEffect(() => {
    for (const notice of state.notices) client.dismissNotice(notice.id);
  }, [client, state.notices]);

  const open = async (name: string) => {
    setBusy(true);
    setMessage({ text: `Opening the chat with ${name}…`, error: false });
    try {
      const opened = await openChat(client, name);
      onOpen(opened.peer, opened.conversationId);
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
      setBusy(false);
    }
  };

  const commands = useCommands(MENU_COMMANDS, {
    run: { go: (target) => void open(target), account: onAccount, search: onSearch },
    text: (name) => void open(name),
    back: onBack,
    exit: onExit,
    say: setMessage,
  });

  // Online users wrap onto at most three lines; conversations get what is left.
  const activeUsers = active?.users ?? state.online;
  const onlineText = onlineSummary(activeUsers, active?.total ?? activeUsers.length, me, columns * 3);
  const onlineLine = preview(onlineText, columns * 3);
  const onlineRows = Math.ceil(onlineLine.length / Math.max(columns, 1));
  const helpLines = commands.help;
  const fixed = onlineRows + 1 /* blank */ + 1 /* conversations title */ + helpLines.length + (message ? 1 : 0) + 1 /* hint */ + 1 /* prompt */;
  const listRows = Math.max(1, rows - fixed);
  const conversations = directConversations(state);
  const shown = conversations.slice(0, conversations.length > listRows ? listRows - 1 : listRows);
  const nameWidth = Math.min(16, Math.max(4, ...shown.map((c) => c.peer.length)));

  return (
    <Box flexDirection="column" height={rows}>
      <Text wrap="wrap">{onlineLine}</Text>
      <Text> </Text>
      <Text bold>Your conversations{conversations.length ? ' (newest first)' : ''}:</Text>
      <Box flexDirection="column" flexGrow={1}>
        {conversations.length === 0 ? <Text {...tone('muted')}>  none yet — type a username below to start one</Text> : null}
        {shown.map((c) => {
          const last = c.lastMessage;
          const online = state.online.includes(c.peer);
          const unread = c.unread > 0 ? `${c.unread} unread` : '';
          const head = `  ${c.peer.padEnd(nameWidth)} ${online ? '●' : ' '} ${unread.padEnd(10)} `;
          const tail = last ? `${formatTime(last.ts)} ${last.from === me ? 'you' : last.from}: ${previewText(last)}` : '';
          return (
            <Text key={c.id} wrap="truncate-end">
              <Text {...(c.unread > 0 ? tone('strong') : {})}>{head}</Text>
              <Text {...tone('muted')}>{preview(tail, Math.max(columns - head.length, 0))}</Text>
            </Text>
          );
        })}
        {shown.length < conversations.length ? <Text {...tone('muted')}>  …and {conversations.length - shown.length} more</Text> : null}
      </Box>
      {helpLines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {message ? <Text {...tone(message.error ? 'error' : 'muted')}>{message.text}</Text> : null}
      <Text {...tone('muted')} wrap="truncate-end">
        Type a username to chat (case sensitive). !help lists commands, !exit leaves.
      </Text>
      <Prompt
        active={!busy}
        onSubmit={commands.submit}
        history="menu"
        completions={() => [...commandNames(MENU_COMMANDS), ...knownNames(state)]}
        onCompletions={(options) => setMessage({ text: options.join('  '), error: false })}
      />
    </Box>
  );
}
