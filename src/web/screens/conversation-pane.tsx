// The right column: who we talk to (online, typing), the history and the composer.
import type { ReactElement } from 'react';
import type { DirectSummary } from '../../shared/protocol.js';
import { useClientState } from '../client-context.js';
import { Composer } from '../components/composer.js';
import { ConversationHeader } from '../components/conversation-header.js';
import { KeysPanel } from '../components/keys-panel.js';
import { MessageList } from '../components/message-list.js';
import { quoteOf } from '../components/message-menu.js';
import { routineNotes, SecurityNotes } from '../components/security-notes.js';
import { useConversation } from '../hooks/use-conversation.js';
import { useNow } from '../hooks/use-now.js';
import { useOnline } from '../hooks/use-online.js';

interface ConversationPaneProps {
  conversation: DirectSummary;
  /** The first unread seq when the conversation opened, for the "New messages" divider. */
  unreadFrom: number | null;
  draft: string;
  onDraftChange(draft: string): void;
  onBack(): void;
  /** This conversation raises no desktop notices. */
  muted: boolean;
  onToggleMute(): void;
}

export function ConversationPane({ conversation, unreadFrom, draft, onDraftChange, onBack, muted, onToggleMute }: ConversationPaneProps): ReactElement {
  const { peer, thread, items, security, keys, peerTyping, loadingOlder, loadOlder, send, discard, typing } = useConversation(conversation);
  const { connected, contacts } = useOnline();
  const bodyMaxLength = useClientState().limits.bodyMaxLength;
  const now = useNow();
  return (
    <section className="pane" id="conversation" tabIndex={-1} aria-label={`Conversation with ${peer}`}>
      <ConversationHeader
        peer={peer}
        peerOnline={contacts.includes(peer)}
        peerTyping={peerTyping}
        connected={connected}
        muted={muted}
        onBack={onBack}
        onToggleMute={onToggleMute}
      />
      {/* Keyed by the contact: another conversation must never show (or verify) this one's safety number. */}
      <KeysPanel key={peer} peer={peer} keys={keys} history={routineNotes(security)} />
      <SecurityNotes notes={security} />

      <MessageList
        conversationKey={String(conversation.id)}
        title={peer}
        items={items}
        more={thread.more}
        loaded={thread.loaded}
        loadingOlder={loadingOlder}
        now={now}
        unreadFrom={unreadFrom}
        onReply={(text) => onDraftChange(quoteOf(text) + draft)}
        onLoadOlder={loadOlder}
        onDiscard={discard}
      />

      <div className="typing" aria-live="polite">
        {peerTyping && (
          <>
            <span className="typing-dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            <span>{peer} is typing…</span>
          </>
        )}
      </div>

      <Composer peer={peer} draft={draft} bodyMaxLength={bodyMaxLength} onDraftChange={onDraftChange} onSend={send} onTyping={typing} />
    </section>
  );
}
