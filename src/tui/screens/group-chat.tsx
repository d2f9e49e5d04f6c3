// A group's chat screen: the conversation with each writer's name in their colour and the membership changes
// in the flow, mentions of the user marked, and the commands that manage the group.
import { Box } from 'ink';
import { Text } from '../components/text.js';
import { useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { describeMembershipLine, selectThread, type ClientState, type ParleyClient } from '../../shared/client/index.js';
import { GO_AND_KEYS, SEARCH, commandNames, commandTable, type Status } from '../commands.js';
import { ChatFooter, chatActions } from '../chat-actions.js';
import { LineEditorContext, promptRows } from '../components/prompt.js';
import { MessageList } from '../components/message-list.js';
import { rowsFor } from '../format.js';
import { groupActions } from '../group-actions.js';
import { listNames } from '../group-args.js';
import { groupName } from '../notice-text.js';
import { knownNames } from '../open-chat.js';
import { useTone } from '../theme.js';
import { useCommands } from '../use-commands.js';
import { useThreadView } from '../use-thread-view.js';

interface Props {
  client: ParleyClient;
  state: ClientState;
  conversationId: number;
  columns: number;
  rows: number;
  onBack(): void;
  onSearch(query: string): void;
  onExit(): void;
  onOpen(peer: string, conversationId: number, group?: boolean): void;
}

export const GROUP_COMMANDS = commandTable({
  title: 'Commands in a group:',
  rows: [
    { name: 'members', help: 'who is in the group, and their roles' },
    { name: 'add', usage: 'NAMES', help: 'add people: !add carol dave (owners and admins)', needs: 'Type who to add after !add, e.g. !add carol dave.' },
    { name: 'remove', usage: 'NAME', help: 'remove someone (owners; admins remove members)', needs: 'Type who to remove after !remove, e.g. !remove carol.' },
    { name: 'leave', help: 'leave the group (what came before stays readable here)' },
    { name: 'rename', usage: 'NAME', help: 'give the group a new name (owners and admins)', needs: 'Type the new name after !rename, e.g. !rename Lunch crew.' },
    { name: 'role', usage: 'NAME', help: 'make NAME an owner, admin or member: !role carol admin (owners)', needs: 'Type !role NAME owner, !role NAME admin or !role NAME member.' },
    { name: 'history', help: '!history shared: people added later read earlier messages; hidden: not (owners)', needs: 'Type !history shared or !history hidden.' },
    { name: 'mute', help: 'no notices or bell from this group, except when someone writes @you' },
    { name: 'unmute', help: 'notices from this group again' },
    { name: 'seen', help: 'who has seen the last message' },
    { name: 'more', help: 'show older messages (or PageUp; PageDown goes forward)' },
    { name: 'retry', help: 'send again the messages marked "not sent"' },
    ...GO_AND_KEYS,
    { keys: '@NAME', help: 'mention a member (Tab completes the name after @); they get a notice even when muted' },
    { keys: 'Alt+Enter', help: 'a new line in the message (Ctrl+J too); a paste of several lines is one message' },
    SEARCH,
    { keys: '!!text', help: 'send a message that starts with "!" (//text one that starts with "/")' },
  ],
  back: 'return to the menu',
});

const ROLE_WORDS = { owner: 'you are an owner', admin: 'you are an admin', member: 'you are a member' } as const;

export function GroupChat({ client, state, conversationId, columns, rows, onBack, onSearch, onExit, onOpen }: Props) {
  const tone = useTone();
  const editor = useContext(LineEditorContext);
  const draftRows = useSyncExternalStore(editor.subscribe, () => promptRows(editor.value));
  const [message, setMessage] = useState<Status | null>(null);
  const me = state.session?.username ?? '';
  const group = state.groups[conversationId];
  const name = groupName(state, conversationId) ?? 'group';
  const muted = state.muted[conversationId] === true;
  const snapshot = useRef(state);
  snapshot.current = state;

  // A group has no peer: selectThread takes its pending sends by conversation id.
  const items = useMemo(() => selectThread(state, conversationId, ''), [state.threads, state.outbox, state.conversations, state.session, state.groups, state.readMarks, conversationId]);
  const timeline = group?.timeline;
  const lines = useMemo(
    () => (timeline ?? []).map((line) => ({ key: `m:${line.index}`, afterSeq: line.afterSeq, ts: line.ts, text: describeMembershipLine(line, me) })),
    [timeline, me],
  );
  const typingNames = (state.typing[conversationId] ?? []).filter((n) => n !== me);
  const notice = state.notices.filter((n) => n.conversationId !== conversationId).at(-1);

  useEffect(() => {
    client.setActiveConversation(conversationId);
    return () => client.setActiveConversation(null);
  }, [client, conversationId]);

  const events = state.security[conversationId] ?? [];
  const security = [...events].reverse().find((e) => e.kind !== 'new-epoch') ?? events.at(-1);
  const refused = group?.refused ? `⚠ This group's membership failed verification at change ${group.refused.index} (${group.refused.reason}): the server may be tampering with it. Members shown are the last verified ones.` : null;
  const left = group && group.myRole === null ? 'You are no longer a member of this group; what came before stays readable.' : null;

  const actions = groupActions(client, () => snapshot.current, conversationId, setMessage);
  const commands = useCommands(GROUP_COMMANDS, {
    run: { ...actions, more: () => void view.older(), retry: () => retry(), go: (target) => void go(target), search: onSearch },
    text: (text) => send(text),
    back: onBack,
    exit: onExit,
    say: setMessage,
  });
  const helpLines = commands.help;
  const fixed =
    (refused ? 1 : 0) + (left ? 1 : 0) + (security ? 1 : 0) + 1 /* title */ + 1 /* typing */ + 1 /* notice */ + helpLines.length + (message ? rowsFor(message.text, columns) : 0) + draftRows;
  const budget = Math.max(1, rows - fixed);
  const view = useThreadView({ client, state, conversationId, items, lines, budget, columns, say: setMessage });

  const { send, retry, go } = chatActions({
    client,
    state,
    conversationId,
    queue: (text) => client.sendTo(conversationId, text),
    mine: (entry) => entry.conversationId === conversationId,
    refusal: group && group.myRole === null ? 'You are no longer a member of this group, so you cannot write to it.' : null,
    sent: view.sent,
    say: setMessage,
    onOpen,
  });

  const members = group?.members.map((m) => m.username) ?? [];
  const count = group ? `${members.length} member${members.length === 1 ? '' : 's'}` : 'members loading…';
  return (
    <Box flexDirection="column" height={rows}>
      {refused ? (
        <Text {...tone('error')} wrap="truncate-end">
          {refused}
        </Text>
      ) : null}
      <Text wrap="truncate-end">
        <Text bold>“{name}”</Text>
        <Text {...tone('muted')}>
          {' '}
          · {count}
          {group?.myRole ? ` · ${ROLE_WORDS[group.myRole]}` : ''}
          {muted ? ' · muted' : ''} · {view.above ? (view.loading ? 'loading older…' : 'PageUp or !more for older') : 'start of conversation'}
          {view.scrolled > 0 ? ' · PageDown for newer' : ''} · !back for the menu
        </Text>
      </Text>
      {left ? <Text {...tone('error')}>{left}</Text> : null}
      {security ? (
        <Text {...tone(security.kind === 'new-epoch' ? 'muted' : 'error')} bold={security.kind !== 'new-epoch'} wrap="truncate-end">
          {security.kind === 'new-epoch' ? '🔒' : '⚠'} {security.text}
        </Text>
      ) : null}
      <MessageList visible={view.visible} over={view.over} me={me} empty="No messages yet. Say hello to the group!" />
      <ChatFooter
        client={client}
        state={state}
        conversationId={conversationId}
        typing={typingNames.length ? `${listNames(typingNames)} ${typingNames.length === 1 ? 'is' : 'are'} typing…` : null}
        notice={notice}
        helpLines={helpLines}
        message={message}
        submit={commands.submit}
        older={() => void view.older()}
        newer={view.newer}
        completions={() => [...commandNames(GROUP_COMMANDS), ...members.map((m) => `@${m}`), ...members, ...knownNames(state)]}
        say={setMessage}
      />
    </Box>
  );
}
