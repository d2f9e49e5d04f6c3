// The menu: who is online (you marked; a page of them when many), your conversations newest first with unread counts, and "type a username".
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useEffect, useState } from 'react';
import { previewText, type ClientState, type ParleyClient } from '../../shared/client/index.js';
import { useActiveUsers } from '../../shared/react/active-users.js';
import { MENU_PAGE_SIZE, onlineSummary } from '../active-users.js';
import { HELP, SEARCH_NEEDS_WORDS, commandNames, parseLine, unknownCommand } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { formatTime, preview } from '../format.js';
import { knownNames, openChat } from '../open-chat.js';
import { useTone } from '../theme.js';

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

export function Menu({ client, state, columns, rows, onOpen, onAccount, onBack, onSearch, onExit }: Props) {
  const tone = useTone();
  const me = state.session?.username ?? '';
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [help, setHelp] = useState(false);
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

  const onSubmit = (line: string) => {
    setHelp(false);
    const parsed = parseLine(line);
    if (parsed.kind === 'empty') return;
    if (parsed.kind === 'command') {
      switch (parsed.name) {
        case 'exit':
          return onExit();
        case 'help':
          // The help replaces whatever the last command said, an old error included.
          setMessage(null);
          return setHelp(true);
        case 'back':
        case 'logout':
          return onBack();
        case 'go':
          return parsed.arg ? void open(parsed.arg) : setMessage({ text: 'Type !go NAME, or !go N for the Nth conversation below.', error: true });
        case 'search':
          return parsed.arg === '' ? setMessage({ text: SEARCH_NEEDS_WORDS, error: true }) : onSearch(parsed.arg);
        case 'account':
        case 'sessions':
        case 'password':
          return onAccount();
        default:
          return setMessage({ text: unknownCommand(parsed.name), error: true });
      }
    }
    void open(parsed.text);
  };

  // Online users wrap onto at most three lines; conversations get what is left.
  const activeUsers = active?.users ?? state.online;
  const onlineText = onlineSummary(activeUsers, active?.total ?? activeUsers.length, me, columns * 3);
  const onlineLine = preview(onlineText, columns * 3);
  const onlineRows = Math.ceil(onlineLine.length / Math.max(columns, 1));
  const helpLines = help ? HELP.menu : [];
  const fixed = onlineRows + 1 /* blank */ + 1 /* conversations title */ + helpLines.length + (message ? 1 : 0) + 1 /* hint */ + 1 /* prompt */;
  const listRows = Math.max(1, rows - fixed);
  const conversations = state.conversations;
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
        onSubmit={onSubmit}
        history="menu"
        completions={() => [...commandNames('menu'), ...knownNames(state)]}
        onCompletions={(options) => setMessage({ text: options.join('  '), error: false })}
      />
    </Box>
  );
}
