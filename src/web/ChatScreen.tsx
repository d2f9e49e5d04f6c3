// The signed-in screen: wires the client's snapshot to the sidebar and the open conversation.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { ParleyError, selectThread, threadOf, type ClientState, type ParleyClient } from '../shared/client/index.js';
import { useActiveUsers } from '../shared/react/active-users.js';
import { AccountDialog } from './components/AccountDialog.js';
import { ConnectionBanner } from './components/ConnectionBanner.js';
import { ConversationPane, EmptyPane } from './components/ConversationPane.js';
import { Sidebar } from './components/Sidebar.js';
import { useDocumentTitle } from './hooks/useDocumentTitle.js';
import { useMessageNotifications } from './hooks/useMessageNotifications.js';
import { useNow } from './hooks/useNow.js';
import { usePageVisible } from './hooks/usePageVisible.js';
import { openErrorText } from './lib/messages.js';
import type { SecurityNote } from './types.js';
import { dismissNotifyPrompt, notifyPermission, notifyPromptDismissed, requestNotifyPermission } from './lib/notifications.js';

const NO_NOTES: readonly SecurityNote[] = [];
/** How many of the people online the sidebar lists; the rest are found with the search box. */
const ONLINE_PAGE_SIZE = 100;

interface ChatScreenProps {
  client: ParleyClient;
  state: ClientState;
  me: string;
  onSignOut(): void;
  onSignOutEverywhere(): Promise<string | null>;
}

export function ChatScreen({ client, state, me, onSignOut, onSignOutEverywhere }: ChatScreenProps): ReactElement {
  const [activeId, setActiveId] = useState<number | null>(null);
  const [accountOpen, setAccountOpen] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [permission, setPermission] = useState(notifyPermission);
  const [promptDismissed, setPromptDismissed] = useState(() => notifyPromptDismissed());
  const drafts = useRef(new Map<number, string>());
  const [draft, setDraft] = useState('');
  const draftRef = useRef(draft);
  draftRef.current = draft;
  const visible = usePageVisible();
  const now = useNow();
  const status = state.connection.status;
  const online = status === 'online';
  // Presence is only known while connected; stale green dots would promise more than we know.
  const presence = online ? state.online : [];
  // Everyone online is a paged request (presence events come from contacts only); they refresh it.
  const everyone = useActiveUsers(client, online && state.session !== null, state.online, ONLINE_PAGE_SIZE);

  const active = activeId === null ? undefined : state.conversations.find((c) => c.id === activeId);
  const thread = active ? threadOf(state, active.id) : undefined;
  const items = useMemo(() => (active ? selectThread(state, active.id, active.peer) : []), [state, active]);
  const typingIn = useMemo(() => new Set(Object.keys(state.typing).map(Number)), [state.typing]);
  const unreadTotal = state.conversations.reduce((sum, c) => sum + c.unread, 0);
  const pending = state.outbox.filter((e) => e.status === 'sending').length;

  useDocumentTitle(unreadTotal);

  const select = useCallback(
    (id: number | null) => {
      setActiveId((previous) => {
        if (previous !== null) drafts.current.set(previous, draftRef.current);
        return id;
      });
      setDraft(id === null ? '' : (drafts.current.get(id) ?? ''));
      client.setActiveConversation(id);
    },
    [client],
  );

  useMessageNotifications(client, select);

  // The first page of a conversation loads when it opens, and again once back online if that failed.
  const needsFirstPage = active !== undefined && thread?.loaded === false;
  useEffect(() => {
    if (!needsFirstPage || !online || activeId === null) return;
    client.loadOlder(activeId).catch(() => undefined);
  }, [client, activeId, needsFirstPage, online]);

  // What is on screen in a visible tab counts as read; the peer then sees the "seen" mark.
  const unreadSeq = active && active.lastSeq > active.readSeq ? active.lastSeq : null;
  useEffect(() => {
    if (activeId === null || unreadSeq === null || !visible) return;
    client.markRead(activeId, unreadSeq).catch(() => undefined);
  }, [client, activeId, unreadSeq, visible]);

  const loadOlder = useCallback(() => {
    if (activeId === null || loadingOlder || !online) return;
    setLoadingOlder(true);
    client
      .loadOlder(activeId)
      .catch(() => undefined)
      .finally(() => setLoadingOlder(false));
  }, [client, activeId, loadingOlder, online]);

  const openUser = useCallback(
    async (username: string): Promise<string | null> => {
      const known = state.conversations.find((c) => c.peer === username);
      if (known) {
        select(known.id);
        return null;
      }
      try {
        const conversation = await client.openConversation(username);
        select(conversation.id);
        return null;
      } catch (error) {
        return openErrorText(error instanceof ParleyError ? error.code : undefined, username);
      }
    },
    [client, select, state.conversations],
  );

  const send = useCallback(
    (body: string) => {
      if (!active) return;
      try {
        client.send(active.peer, body);
      } catch {
        // the composer already refuses empty and over-long text, the only reasons send() throws
      }
    },
    [client, active],
  );

  const discard = useCallback((clientMsgId: string) => client.discard(clientMsgId), [client]);

  const enableNotifications = () => {
    void requestNotifyPermission().then(setPermission);
  };

  return (
    <div className="app">
      <a className="skip-link" href="#conversation">
        Skip to conversation
      </a>
      <ConnectionBanner status={status} pending={pending} />
      <div className="app-body" data-view={active ? 'conversation' : 'list'}>
        <Sidebar
          me={me}
          status={status}
          conversations={state.conversations}
          online={presence}
          everyone={everyone?.users ?? presence}
          everyoneTotal={everyone?.total ?? presence.length}
          connected={online}
          activeId={active?.id ?? null}
          typingIn={typingIn}
          now={now}
          showNotifyPrompt={permission === 'default' && !promptDismissed}
          onDismissNotifyPrompt={() => {
            dismissNotifyPrompt();
            setPromptDismissed(true);
          }}
          onEnableNotifications={enableNotifications}
          onSelect={select}
          onOpenUser={openUser}
          onOpenAccount={() => setAccountOpen(true)}
          onSignOut={onSignOut}
        />
        {active && thread ? (
          <ConversationPane
            conversationId={active.id}
            peer={active.peer}
            client={client}
            keys={state.contacts[active.peer]}
            security={state.security[active.id] ?? NO_NOTES}
            peerOnline={presence.includes(active.peer)}
            connected={online}
            peerTyping={(state.typing[active.id] ?? []).includes(active.peer)}
            items={items}
            more={thread.more}
            loaded={thread.loaded}
            loadingOlder={loadingOlder}
            draft={draft}
            bodyMaxLength={state.limits.bodyMaxLength}
            now={now}
            onBack={() => select(null)}
            onLoadOlder={loadOlder}
            onDiscard={discard}
            onDraftChange={setDraft}
            onSend={send}
            onTyping={() => client.typing(active.id)}
          />
        ) : (
          <EmptyPane />
        )}
      </div>
      {accountOpen && (
        <AccountDialog
          client={client}
          me={me}
          passwordMinLength={state.limits.passwordMinLength}
          now={now}
          onClose={() => setAccountOpen(false)}
          onSignOutEverywhere={onSignOutEverywhere}
        />
      )}
    </div>
  );
}
