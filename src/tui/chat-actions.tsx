// What the direct and the group chat screens share: sending, `!retry` and `!go`, and the rows under the messages
// (who is typing, the newest notice, the help, the last status and the input line).
import { Text } from './components/text.js';
import { ParleyError, type ClientState, type OutboxEntry, type ParleyClient } from '../shared/client/index.js';
import type { Status } from './commands.js';
import { Prompt } from './components/prompt.js';
import { noticeText } from './notice-text.js';
import { openChat } from './open-chat.js';
import { useTone } from './theme.js';

interface ActionOptions {
  client: ParleyClient;
  state: ClientState;
  conversationId: number;
  /** Hands the text to the SDK (which throws a ParleyError when it refuses it). */
  queue(text: string): void;
  /** Whether an outbox entry belongs to this chat. */
  mine(entry: OutboxEntry): boolean;
  /** Why nothing can be sent here, or null. */
  refusal?: string | null;
  /** Called once a message is queued (the view jumps to the newest). */
  sent(): void;
  say(status: Status | null): void;
  onOpen(peer: string, conversationId: number, group?: boolean): void;
}

export function chatActions({ client, state, conversationId, queue, mine, refusal = null, sent, say, onOpen }: ActionOptions) {
  /** Queues the text; false when it was refused, so the input line keeps it. */
  const send = (text: string): boolean => {
    if (refusal) {
      say({ text: refusal, error: true });
      return false;
    }
    try {
      queue(text);
      sent();
      say(null);
      return true;
    } catch (error) {
      say({ text: error instanceof ParleyError ? error.message : 'The message could not be queued.', error: true });
      return false;
    }
  };

  const retry = () => {
    const failed = state.outbox.filter((e) => mine(e) && e.status === 'failed');
    for (const entry of failed) client.retry(entry.clientMsgId);
    say({ text: failed.length ? `Sending ${failed.length} message(s) again.` : 'Nothing to send again.', error: false });
  };

  const go = async (target: string) => {
    try {
      const opened = await openChat(client, target);
      if (opened.conversationId !== conversationId) onOpen(opened.peer, opened.conversationId, opened.group);
    } catch (error) {
      say({ text: (error as Error).message, error: true });
    }
  };

  return { send, retry, go };
}

interface FooterProps {
  client: ParleyClient;
  state: ClientState;
  conversationId: number;
  /** "carol is typing…", or null. */
  typing: string | null;
  notice: ClientState['notices'][number] | undefined;
  helpLines: readonly string[];
  message: Status | null;
  submit(line: string): boolean | void;
  older(): void;
  newer(): void;
  completions(): readonly string[];
  say(status: Status | null): void;
}

export function ChatFooter({ client, state, conversationId, typing, notice, helpLines, message, submit, older, newer, completions, say }: FooterProps) {
  const tone = useTone();
  return (
    <>
      <Text {...tone('muted')} wrap="truncate-end">
        {typing ?? ' '}
      </Text>
      <Text {...tone('notice')} wrap="truncate-end">
        {notice ? noticeText(state, notice) : ' '}
      </Text>
      {helpLines.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      {message ? <Text {...tone(message.error ? 'error' : 'muted')}>{message.text}</Text> : null}
      <Prompt
        onSubmit={(line) => {
          if (notice) client.dismissNotice(notice.id);
          return submit(line);
        }}
        onChange={(value) => client.typing(conversationId, value !== '' && !/^[!/]/.test(value))}
        onPage={(direction) => (direction === 'up' ? older() : newer())}
        multiline
        history="chat"
        completions={completions}
        onCompletions={(options) => say({ text: options.join('  '), error: false })}
      />
    </>
  );
}
