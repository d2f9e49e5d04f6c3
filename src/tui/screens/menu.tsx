// The menu: who is online (you marked; a page of them when many), your conversations newest first with unread counts, and "type a username".
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useEffect, useState } from 'react';
import type { ClientState, ParleyClient } from '../../shared/client/index.js';
import { useActiveUsers } from '../../shared/react/active-users.js';
import { MENU_PAGE_SIZE, onlineSummary } from '../active-users.js';
import { GO_AND_KEYS, SEARCH, commandNames, commandTable, type Status } from '../commands.js';
import { Prompt } from '../components/prompt.js';
import { preview } from '../format.js';
import { refusal } from '../group-actions.js';
import { parseCreate } from '../group-args.js';
import { menuRow } from '../menu-rows.js';
import { knownNames, openChat } from '../open-chat.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';

interface Props {
  client: ParleyClient;
  state: ClientState;
  columns: number;
  /** Rows this screen may use. */
  rows: number;
  onOpen(peer: string, conversationId: number, group?: boolean): void;
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
    {
      name: 'group',
      usage: 'NAME',
      help: 'start a group: !group Lunch crew with alice bob (then open it by its name or !go N)',
      needs: 'Type !group NAME with alice bob: a name for the group, then who joins.',
    },
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
      onOpen(opened.peer, opened.conversationId, opened.group);
    } catch (error) {
      setMessage({ text: (error as Error).message, error: true });
      setBusy(false);
    }
  };

  const createGroup = async (arg: string) => {
    const parsed = parseCreate(arg);
    if (!parsed.ok) return setMessage({ text: parsed.error, error: true });
    const { name, members } = parsed.value;
    setBusy(true);
    setMessage({ text: `Starting the group “${name}”…`, error: false });
    try {
      const created = await client.createGroup(name, members);
      onOpen(name, created.id, true);
    } catch (error) {
      setMessage({ text: refusal(error), error: true });
      setBusy(false);
    }
  };

  const commands = useCommands(MENU_COMMANDS, {
    run: { go: (target) => void open(target), group: (arg) => void createGroup(arg), account: onAccount, search: onSearch },
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
  const conversations = state.conversations;
  const shown = conversations.slice(0, conversations.length > listRows ? listRows - 1 : listRows);
  const lines = shown.map((c) => ({ c, row: menuRow(state, c, me) }));
  const nameWidth = Math.min(24, Math.max(4, ...lines.map(({ row }) => row.label.length)));
  const stateWidth = Math.max(10, ...lines.map(({ row }) => row.state.length));

  return (
    <Box flexDirection="column" height={rows}>
      <Text wrap="wrap">{onlineLine}</Text>
      <Text> </Text>
      <Text bold>Your conversations{conversations.length ? ' (newest first)' : ''}:</Text>
      <Box flexDirection="column" flexGrow={1}>
        {conversations.length === 0 ? <Text {...tone('muted')}>  none yet — type a username below to start one, or !group to start a group</Text> : null}
        {lines.map(({ c, row }) => {
          const head = `  ${row.label.padEnd(nameWidth)} ${row.mark} ${row.state.padEnd(stateWidth)} `;
          return (
            <Text key={c.id} wrap="truncate-end">
              <Text {...(c.unread > 0 ? tone('strong') : {})}>{head}</Text>
              <Text {...tone('muted')}>{preview(row.tail, Math.max(columns - head.length, 0))}</Text>
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
