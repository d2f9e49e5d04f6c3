// The right column: who we talk to (online, typing), the history and the composer.
import type { ReactElement } from 'react';
import type { ContactKeys, ParleyClient } from '../../shared/client/index.js';
import { KeysPanel } from '../components/keys-panel.js';
import type { MessageItem, SecurityNote } from '../types.js';
import { Avatar } from '../components/avatar.js';
import { Composer } from '../components/composer.js';
import { BackIcon, BellIcon, ChatIcon } from '../components/icons.js';
import { MessageList } from '../components/message-list.js';
import { quoteOf } from '../components/message-menu.js';

interface ConversationPaneProps {
  conversationId: number;
  peer: string;
  client: ParleyClient;
  keys: ContactKeys | undefined;
  /** The conversation's encryption events, oldest first. */
  security: readonly SecurityNote[];
  peerOnline: boolean;
  peerTyping: boolean;
  /** While reconnecting the peer's presence is unknown. */
  connected: boolean;
  items: readonly MessageItem[];
  /** The first unread seq when the conversation opened, for the "New messages" divider. */
  unreadFrom: number | null;
  more: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  draft: string;
  bodyMaxLength: number;
  now: number;
  onBack(): void;
  onLoadOlder(): void;
  onDiscard(clientMsgId: string): void;
  onDraftChange(draft: string): void;
  onSend(body: string): string | null;
  onTyping(active: boolean): void;
  /** This conversation raises no desktop notices. */
  muted: boolean;
  onToggleMute(): void;
}

/** How many of a conversation's encryption events stay on screen (the newest; refusals are never hidden). */
const NOTES_SHOWN = 3;

/** New conversation keys, refused keys and misdirected conversations, where the conversation is read. */
/**
 * The conversation's encryption events under the header: only alarms (a refused key, a misdirected
 * conversation). The routine ones (a new conversation key) are in the encryption details (KeysPanel),
 * whose summary sits in the header: in the normal case nothing takes a line of its own.
 */
function SecurityNotes({ notes }: { notes: readonly SecurityNote[] }): ReactElement | null {
  const shown = notes.filter((n) => n.kind !== 'new-epoch').slice(-NOTES_SHOWN);
  if (shown.length === 0) return null;
  return (
    <ul className="security-notes" aria-label="Encryption alerts">
      {shown.map((n) => (
        <li key={n.id} data-kind={n.kind} role={n.kind === 'new-epoch' ? undefined : 'alert'}>
          {n.kind === 'new-epoch' ? '🔒 ' : '⚠ '}
          {n.text}
        </li>
      ))}
    </ul>
  );
}

export function ConversationPane(props: ConversationPaneProps): ReactElement {
  const { peer, peerOnline, peerTyping } = props;
  return (
    <section className="pane" id="conversation" tabIndex={-1} aria-label={`Conversation with ${peer}`}>
      <header className="pane-header">
        <button type="button" className="icon-btn pane-back" onClick={props.onBack} aria-label="Back to conversations">
          <BackIcon />
        </button>
        <Avatar username={peer} online={peerOnline} size={40} />
        <div className="pane-title">
          <h2 className="pane-name">{peer}</h2>
          <span className="pane-status" data-typing={peerTyping}>
            {!props.connected ? 'Waiting for the connection…' : peerTyping ? 'typing…' : peerOnline ? 'Online' : 'Offline'}
          </span>
        </div>
        <button
          type="button"
          className="icon-btn pane-mute"
          aria-pressed={props.muted}
          onClick={props.onToggleMute}
          title={props.muted ? `Notices from ${peer} are off; click to turn them on` : `Mute notices from ${peer}`}
        >
          <BellIcon />
          <span className="visually-hidden">Mute notices</span>
          {props.muted && <span className="pane-mute-slash" aria-hidden="true" />}
        </button>
      </header>
      {/* Keyed by the contact: another conversation must never show (or verify) this one's safety number. */}
      <KeysPanel key={peer} client={props.client} peer={peer} keys={props.keys} history={props.security.filter((n) => n.kind === 'new-epoch').slice(-NOTES_SHOWN)} />
      <SecurityNotes notes={props.security} />

      <MessageList
        conversationKey={String(props.conversationId)}
        peer={peer}
        items={props.items}
        more={props.more}
        loaded={props.loaded}
        loadingOlder={props.loadingOlder}
        now={props.now}
        unreadFrom={props.unreadFrom}
        onReply={(text) => props.onDraftChange(quoteOf(text) + props.draft)}
        onLoadOlder={props.onLoadOlder}
        onDiscard={props.onDiscard}
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

      <Composer
        peer={peer}
        draft={props.draft}
        bodyMaxLength={props.bodyMaxLength}
        onDraftChange={props.onDraftChange}
        onSend={props.onSend}
        onTyping={props.onTyping}
      />
    </section>
  );
}

/** With a notice: why the conversation a link named could not be opened. */
export function EmptyPane({ notice = null }: { notice?: string | null }): ReactElement {
  return (
    <section className="pane" id="conversation" tabIndex={-1} aria-label="No conversation open">
      <div className="pane-empty">
        <div className="pane-empty-art">
          <ChatIcon />
        </div>
        <h2>Pick up a conversation</h2>
        {notice !== null ? (
          <p className="form-error" role="alert">
            {notice}
          </p>
        ) : null}
        <p>Choose one on the left, or search for a username to start a new one.</p>
      </div>
    </section>
  );
}
