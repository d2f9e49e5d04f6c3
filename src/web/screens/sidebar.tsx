// The left column: brand, who is signed in, search, conversations and people online.
import { useMemo, useState, type ReactElement } from 'react';
import type { OutboxEntry, SearchHit } from '../../shared/client/index.js';
import type { ConversationSummary } from '../../shared/protocol.js';
import { Avatar } from '../components/avatar.js';
import { ConversationList } from '../components/conversation-list.js';
import { BellIcon, BrandMark, CloseIcon, DevicesIcon, SignOutIcon } from '../components/icons.js';
import { MessageSearch } from '../components/message-search.js';
import { OnlineList } from '../components/online-list.js';
import { SearchBox } from '../components/search-box.js';

export type LinkStatus = 'connecting' | 'online' | 'reconnecting' | 'closed';

interface SidebarProps {
  me: string;
  status: LinkStatus;
  conversations: readonly ConversationSummary[];
  /** Each peer's newest unsent message. */
  pending: ReadonlyMap<string, OutboxEntry>;
  /** Contacts online (live presence): the dots on conversations. */
  online: readonly string[];
  /** A page of everyone online, from the server, for "Online now". */
  everyone: readonly string[];
  /** How many are online in all: more than `everyone` when the page is full. */
  everyoneTotal: number;
  /** False while reconnecting: presence is unknown then. */
  connected: boolean;
  activeId: number | null;
  typingIn: ReadonlySet<number>;
  now: number;
  showNotifyPrompt: boolean;
  onDismissNotifyPrompt(): void;
  onEnableNotifications(): void;
  onSelect(conversationId: number): void;
  onOpenUser(username: string): Promise<string | null>;
  /** Searches the decrypted messages kept on this device. */
  searchMessages(query: string): Promise<SearchHit[]>;
  onOpenAccount(): void;
  onSignOut(): void;
}

const STATUS_TEXT: Record<LinkStatus, string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

export function Sidebar(props: SidebarProps): ReactElement {
  const { me, status, conversations, online, activeId, typingIn, now } = props;
  const [query, setQuery] = useState('');
  const onlineSet = useMemo(() => new Set(online), [online]);
  // You are always listed, as the old messenger did, even when your name sorts past the first page.
  const listed = props.everyone.includes(me) ? props.everyone : [me, ...props.everyone];
  const filter = query.trim().toLowerCase();
  const shown = filter === '' ? conversations : conversations.filter((c) => c.peer.toLowerCase().includes(filter));

  return (
    <nav className="sidebar" aria-label="Conversations and people">
      <div className="sidebar-header">
        <div className="brand">
          <BrandMark />
          <span>Parley</span>
        </div>
      </div>

      <div className="me">
        <Avatar username={me} size={36} />
        <div className="me-text">
          <span className="me-name" data-testid="me">{me}</span>
          <span className="me-status">
            <span className="status-dot" data-state={status} aria-hidden="true" />
            {STATUS_TEXT[status]}
          </span>
        </div>
        <button type="button" className="icon-btn" onClick={props.onOpenAccount} aria-label="Devices and password" title="Devices and password">
          <DevicesIcon />
        </button>
        <button type="button" className="icon-btn" onClick={props.onSignOut} aria-label="Sign out" title="Sign out">
          <SignOutIcon />
        </button>
      </div>

      {props.showNotifyPrompt && (
        <div className="notify-cta">
          <BellIcon />
          <p>Get notified of new messages.</p>
          <div className="notify-actions">
            <button type="button" className="btn btn-primary" onClick={props.onEnableNotifications}>
              Turn on
            </button>
            <button type="button" className="icon-btn notify-dismiss" onClick={props.onDismissNotifyPrompt} aria-label="Not now" title="Not now">
              <CloseIcon />
            </button>
          </div>
        </div>
      )}

      <SearchBox query={query} onQueryChange={setQuery} onOpen={props.onOpenUser} />

      <div className="sidebar-scroll">
        <MessageSearch me={me} now={now} search={props.searchMessages} onOpen={(peer) => void props.onOpenUser(peer)} />
        <h2 className="section-title">
          <span>Conversations</span>
        </h2>
        {shown.length > 0 ? (
          <ConversationList
            me={me}
            conversations={shown}
            pending={props.pending}
            activeId={activeId}
            online={onlineSet}
            typingIn={typingIn}
            now={now}
            onSelect={props.onSelect}
          />
        ) : (
          <p className="empty-note">
            {filter === '' ? 'No conversations yet. Search for a username to start one.' : 'No conversation matches.'}
          </p>
        )}

        <h2 className="section-title">
          <span>Online now</span>
          {props.connected && <span className="section-count">{props.everyoneTotal}</span>}
        </h2>
        {props.connected ? (
          <>
            <OnlineList me={me} online={listed} onOpen={(name) => void props.onOpenUser(name)} />
            {props.everyoneTotal > listed.length && (
              <p className="empty-note" data-testid="online-more">
                and {props.everyoneTotal - listed.length} more: search for a name above
              </p>
            )}
          </>
        ) : (
          <p className="empty-note">Shown again once reconnected.</p>
        )}
      </div>
    </nav>
  );
}
