// The signed-in screen: wires the client's snapshot to the sidebar and the open conversation.
import { useCallback, useEffect, useMemo, useState, type ReactElement } from 'react';
import { ParleyError, pendingByPeer, selectThread, sortWithPending, threadOf, type ClientState, type ParleyClient } from '../../shared/client/index.js';
import { useActiveUsers } from '../../shared/react/active-users.js';
import { AccountDialog } from './account-dialog.js';
import { ConnectionBanner } from '../components/connection-banner.js';
import { ConversationPane, EmptyPane } from './conversation-pane.js';
import { RestoredBanner } from '../components/restored-banner.js';
import { Sidebar } from './sidebar.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useHashRoute } from '../hooks/use-hash-route.js';
import { useMessageNotifications } from '../hooks/use-message-notifications.js';
import { useNow } from '../hooks/use-now.js';
import { usePageVisible } from '../hooks/use-page-visible.js';
import { loadDraft, saveDraft } from '../lib/drafts.js';
import { openErrorText } from '../lib/messages.js';
import type { SecurityNote } from '../types.js';
import {
  dismissNotifyPrompt,
  loadNotifyPrefs,
  notifyPermission,
  notifyPromptDismissed,
  requestNotifyPermission,
  saveNotifyPrefs,
  type NotifyPrefs,
} from '../lib/notifications.js';

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
  const route = useHashRoute();
  /** Why the conversation in the address could not be opened (an unknown name in a link), shown on the empty pane. */
  const [routeError, setRouteError] = useState<string | null>(null);
  const [accountOpen, setAccountOpen] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [permission, setPermission] = useState(notifyPermission);
  const [promptDismissed, setPromptDismissed] = useState(() => notifyPromptDismissed());
  const visible = usePageVisible();
  const now = useNow();
  const status = state.connection.status;
  const online = status === 'online';
  // Presence is only known while connected; stale green dots would promise more than we know.
  const presence = online ? state.online : [];
  // Everyone online is a paged request (presence events come from contacts only); they refresh it.
  const everyone = useActiveUsers(client, online && state.session !== null, state.online, ONLINE_PAGE_SIZE);

  const active = route.peer === null ? undefined : state.conversations.find((c) => c.peer === route.peer);
  const activeId = active?.id ?? null;
  // What was unread when this conversation opened: reading it (which starts at once) must not move the divider.
  const [opened, setOpened] = useState<{ id: number | null; unreadFrom: number | null }>({ id: null, unreadFrom: null });
  if (opened.id !== activeId) setOpened({ id: activeId, unreadFrom: active && active.unread > 0 ? active.readSeq + 1 : null });
  const [draft, setDraftState] = useState(() => (route.peer === null ? '' : loadDraft(me, route.peer)));
  const setDraft = useCallback(
    (text: string) => {
      setDraftState(text);
      if (route.peer !== null) saveDraft(me, route.peer, text);
    },
    [me, route.peer],
  );
  const thread = active ? threadOf(state, active.id) : undefined;
  const items = useMemo(() => (active ? selectThread(state, active.id, active.peer) : []), [state, active]);
  const typingIn = useMemo(() => new Set(Object.keys(state.typing).map(Number)), [state.typing]);
  const unreadTotal = state.conversations.reduce((sum, c) => sum + c.unread, 0);
  const sending = state.outbox.filter((e) => e.status === 'sending').length;
  // The user's own unsent messages show in the list at once, and lift their conversation to the top.
  const pending = useMemo(() => pendingByPeer(state.outbox), [state.outbox]);
  const listed = useMemo(() => sortWithPending(state.conversations, pending), [state.conversations, pending]);

  useDocumentTitle(unreadTotal);

  // The conversation in the address: its draft comes back, the SDK knows which one is on screen, and a name
  // no conversation has yet (a link, a reload before the list loaded) is looked up and opened.
  const conversationsLoaded = state.conversations;
  useEffect(() => {
    setDraftState(route.peer === null ? '' : loadDraft(me, route.peer));
    if (route.peer !== null) setRouteError(null);
  }, [me, route.peer]);
  useEffect(() => {
    client.setActiveConversation(activeId);
  }, [client, activeId]);
  const missingPeer = route.peer !== null && active === undefined && online ? route.peer : null;
  useEffect(() => {
    if (missingPeer === null) return;
    let current = true;
    client.openConversation(missingPeer).catch((error: unknown) => {
      if (!current) return;
      setRouteError(openErrorText(error instanceof ParleyError ? error.code : undefined, missingPeer));
      route.go(null, { replace: true });
    });
    return () => {
      current = false;
    };
  }, [client, missingPeer, route]);

  const select = useCallback(
    (id: number | null) => {
      const peer = id === null ? null : conversationsLoaded.find((c) => c.id === id)?.peer;
      if (peer !== undefined) route.go(peer);
    },
    [conversationsLoaded, route],
  );

  const [notifyPrefs, setNotifyPrefs] = useState(() => loadNotifyPrefs(me));
  const changeNotifyPrefs = useCallback(
    (prefs: NotifyPrefs) => {
      setNotifyPrefs(prefs);
      saveNotifyPrefs(me, prefs);
    },
    [me],
  );
  useMessageNotifications(client, notifyPrefs, select);

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
      if (state.conversations.some((c) => c.peer === username)) {
        route.go(username);
        return null;
      }
      try {
        await client.openConversation(username);
        route.go(username);
        return null;
      } catch (error) {
        return openErrorText(error instanceof ParleyError ? error.code : undefined, username);
      }
    },
    [client, route, state.conversations],
  );

  const send = useCallback(
    (body: string): string | null => {
      if (!active) return 'Choose a conversation first.';
      try {
        client.send(active.peer, body);
        return null;
      } catch (error) {
        // Shown under the composer, which keeps the draft.
        return error instanceof ParleyError ? error.message : 'The message could not be queued; try again.';
      }
    },
    [client, active],
  );

  const discard = useCallback((clientMsgId: string) => client.discard(clientMsgId), [client]);
  const searchMessages = useCallback((query: string) => client.search(query), [client]);

  // History not yet decrypted on this device goes into the search index in the background, bounded per connection.
  const indexable = online && state.keys === 'unlocked';
  useEffect(() => {
    if (indexable) client.indexHistory({ maxPages: 50 }).catch(() => undefined);
  }, [client, indexable]);

  const enableNotifications = () => {
    void requestNotifyPermission().then(setPermission);
  };

  return (
    <div className="app">
      <a className="skip-link" href="#conversation">
        Skip to conversation
      </a>
      <ConnectionBanner status={status} pending={sending} />
      <RestoredBanner shown={state.serverRestored} onDismiss={() => client.dismissServerRestored()} />
      {/* One main landmark at every width: on a phone the list and the conversation take turns inside it. */}
      <main className="app-body" data-view={active ? 'conversation' : 'list'}>
        <h1 className="visually-hidden">Parley</h1>
        <Sidebar
          me={me}
          status={status}
          conversations={listed}
          pending={pending}
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
          searchMessages={searchMessages}
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
            unreadFrom={opened.id === activeId ? opened.unreadFrom : null}
            more={thread.more}
            loaded={thread.loaded}
            loadingOlder={loadingOlder}
            draft={draft}
            bodyMaxLength={state.limits.bodyMaxLength}
            now={now}
            onBack={route.back}
            onLoadOlder={loadOlder}
            onDiscard={discard}
            onDraftChange={setDraft}
            onSend={send}
            onTyping={(typing) => client.typing(active.id, typing)}
            muted={notifyPrefs.muted.includes(active.peer)}
            onToggleMute={() =>
              changeNotifyPrefs({
                ...notifyPrefs,
                muted: notifyPrefs.muted.includes(active.peer) ? notifyPrefs.muted.filter((p) => p !== active.peer) : [...notifyPrefs.muted, active.peer],
              })
            }
          />
        ) : (
          <EmptyPane notice={routeError} />
        )}
      </main>
      {accountOpen && (
        <AccountDialog
          client={client}
          me={me}
          passwordMinLength={state.limits.passwordMinLength}
          now={now}
          notifyPrefs={notifyPrefs}
          onNotifyPrefs={changeNotifyPrefs}
          onClose={() => setAccountOpen(false)}
          onSignOutEverywhere={onSignOutEverywhere}
        />
      )}
    </div>
  );
}
