// The conversation's head: back to the list, who it is with and whether they are here, and the mute bell.
import type { ReactElement } from 'react';
import { Avatar } from './avatar.js';
import { BackIcon, BellIcon } from './icons.js';

interface ConversationHeaderProps {
  peer: string;
  peerOnline: boolean;
  peerTyping: boolean;
  /** While reconnecting the peer's presence is unknown. */
  connected: boolean;
  /** This conversation raises no desktop notices. */
  muted: boolean;
  onBack(): void;
  onToggleMute(): void;
}

export function ConversationHeader({ peer, peerOnline, peerTyping, connected, muted, onBack, onToggleMute }: ConversationHeaderProps): ReactElement {
  return (
    <header className="pane-header">
      <button type="button" className="icon-btn pane-back" onClick={onBack} aria-label="Back to conversations">
        <BackIcon />
      </button>
      <Avatar username={peer} online={peerOnline} size={40} />
      <div className="pane-title">
        <h2 className="pane-name">{peer}</h2>
        <span className="pane-status" data-typing={peerTyping}>
          {!connected ? 'Waiting for the connection…' : peerTyping ? 'typing…' : peerOnline ? 'Online' : 'Offline'}
        </span>
      </div>
      <button
        type="button"
        className="icon-btn pane-mute"
        aria-pressed={muted}
        onClick={onToggleMute}
        title={muted ? `Notices from ${peer} are off; click to turn them on` : `Mute notices from ${peer}`}
      >
        <BellIcon />
        <span className="visually-hidden">Mute notices</span>
        {muted && <span className="pane-mute-slash" aria-hidden="true" />}
      </button>
    </header>
  );
}
