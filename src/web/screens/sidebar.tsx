// The left column: brand, who is signed in, search, conversations and people online.
import { useMemo, useState, type ReactElement } from 'react';
import type { ConnectionState } from '../../shared/client/index.js';
import { useClientState, useMe, useSessionActions } from '../client-context.js';
import { Avatar } from '../components/avatar.js';
import { Brand } from '../components/brand.js';
import { ConversationList } from '../components/conversation-list.js';
import { DevicesIcon, PlusIcon, SignOutIcon } from '../components/icons.js';
import { MessageSearch } from '../components/message-search.js';
import { NotifyPrompt } from '../components/notify-prompt.js';
import { OnlineList } from '../components/online-list.js';
import { SearchBox } from '../components/search-box.js';
import { useConversations } from '../hooks/use-conversations.js';
import { useNotifyPrompt } from '../hooks/use-notify-settings.js';
import { useNow } from '../hooks/use-now.js';
import { useEveryoneOnline, useOnline } from '../hooks/use-online.js';

interface SidebarProps {
  activeId: number | null;
  onSelect(conversationId: number): void;
  /** Resolves to null when the conversation opened, or to a sentence saying why not. */
  onOpenUser(username: string): Promise<string | null>;
  onOpenAccount(): void;
  onNewGroup(): void;
}

const STATUS_TEXT: Record<ConnectionState['status'], string> = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  closed: 'Offline',
};

export function Sidebar({ activeId, onSelect, onOpenUser, onOpenAccount, onNewGroup }: SidebarProps): ReactElement {
  const me = useMe();
  const status = useClientState().connection.status;
  const { listed: conversations, pending, groups, typingIn } = useConversations();
  const { connected, contacts } = useOnline();
  const everyone = useEveryoneOnline();
  const notifyPrompt = useNotifyPrompt();
  const { signOut } = useSessionActions();
  const now = useNow();
  const [query, setQuery] = useState('');
  const onlineSet = useMemo(() => new Set(contacts), [contacts]);
  const groupNames = useMemo(
    () => new Map(conversations.flatMap((c) => (c.kind === 'group' ? [[c.id, { name: groups.get(c.id)?.name ?? c.name, groupId: c.groupId }] as const] : []))),
    [conversations, groups],
  );
  // You are always listed, as the old messenger did, even when your name sorts past the first page.
  const listed = everyone.users.includes(me) ? everyone.users : [me, ...everyone.users];
  const filter = query.trim().toLowerCase();
  const titleOf = (c: (typeof conversations)[number]) => (c.kind === 'direct' ? c.peer : (groups.get(c.id)?.name ?? c.name));
  const shown = filter === '' ? conversations : conversations.filter((c) => titleOf(c).toLowerCase().includes(filter));

  return (
    <nav className="sidebar" aria-label="Conversations and people">
      <div className="sidebar-header">
        <Brand />
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
        <button type="button" className="icon-btn" onClick={onOpenAccount} aria-label="Devices and password" title="Devices and password">
          <DevicesIcon />
        </button>
        <button type="button" className="icon-btn" onClick={signOut} aria-label="Sign out" title="Sign out">
          <SignOutIcon />
        </button>
      </div>

      {notifyPrompt.shown && <NotifyPrompt onEnable={notifyPrompt.enable} onDismiss={notifyPrompt.dismiss} />}

      <SearchBox query={query} onQueryChange={setQuery} onOpen={onOpenUser} />

      <div className="sidebar-scroll">
        <MessageSearch
          me={me}
          now={now}
          groupNames={groupNames}
          onOpen={(hit) => (groupNames.has(hit.conversationId) ? onSelect(hit.conversationId) : void onOpenUser(hit.peer))}
        />
        <div className="section-head">
          <h2 className="section-title">
            <span>Conversations</span>
          </h2>
          <button type="button" className="section-action" onClick={onNewGroup}>
            <PlusIcon />
            New group
          </button>
        </div>
        {shown.length > 0 ? (
          <ConversationList
            me={me}
            conversations={shown}
            pending={pending}
            groups={groups}
            activeId={activeId}
            online={onlineSet}
            typingIn={typingIn}
            now={now}
            onSelect={onSelect}
          />
        ) : (
          <p className="empty-note">
            {filter === '' ? 'No conversations yet. Search for a username to start one.' : 'No conversation matches.'}
          </p>
        )}

        <h2 className="section-title">
          <span>Online now</span>
          {connected && <span className="section-count">{everyone.total}</span>}
        </h2>
        {connected ? (
          <>
            <OnlineList me={me} online={listed} onOpen={(name) => void onOpenUser(name)} />
            {everyone.total > listed.length && (
              <p className="empty-note" data-testid="online-more">
                and {everyone.total - listed.length} more: search for a name above
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
