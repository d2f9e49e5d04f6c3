// The signed-in screen: the banners, the sidebar, the open conversation (kept in the address) and the account dialog.
import { useState, type ReactElement } from 'react';
import { useClient, useClientState, useMe } from '../client-context.js';
import { ConnectionBanner } from '../components/connection-banner.js';
import { EmptyPane } from '../components/empty-pane.js';
import { RestoredBanner } from '../components/restored-banner.js';
import { VaultBanner } from '../components/vault-banner.js';
import { useConversationOnScreen, useUnreadFrom } from '../hooks/use-conversation.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useDraft } from '../hooks/use-draft.js';
import { useHistoryIndexing } from '../hooks/use-message-search.js';
import { useMessageNotifications } from '../hooks/use-message-notifications.js';
import { useNotifyPrefs } from '../hooks/use-notify-settings.js';
import { useRoutedConversation } from '../hooks/use-routed-conversation.js';
import { AccountDialog } from './account-dialog.js';
import { ConversationPane } from './conversation-pane.js';
import { GroupPane } from './group-pane.js';
import { NewGroupDialog } from './new-group-dialog.js';
import { Sidebar } from './sidebar.js';

export function ChatScreen(): ReactElement {
  const client = useClient();
  const state = useClientState();
  const me = useMe();
  const { route, active, routeError, select, openUser } = useRoutedConversation();
  // Drafts are kept per conversation: a peer's name, or "#id" for a group (no username has a #).
  const [draft, setDraft] = useDraft(me, route.peer ?? (route.group === null ? null : `#${route.group}`));
  const unreadFrom = useUnreadFrom(active);
  const notify = useNotifyPrefs(me);
  const [accountOpen, setAccountOpen] = useState(false);
  const [newGroupOpen, setNewGroupOpen] = useState(false);

  useConversationOnScreen(active);
  useDocumentTitle(state.conversations.reduce((sum, c) => sum + c.unread, 0));
  useMessageNotifications(notify.prefs, select);
  useHistoryIndexing();

  const sending = state.outbox.filter((e) => e.status === 'sending').length;
  return (
    <div className="app">
      <a className="skip-link" href="#conversation">
        Skip to conversation
      </a>
      <ConnectionBanner status={state.connection.status} pending={sending} />
      <RestoredBanner shown={state.serverRestored} onDismiss={() => client.dismissServerRestored()} />
      <VaultBanner notice={state.vaultNotice} />
      {/* One main landmark at every width: on a phone the list and the conversation take turns inside it. */}
      <main className="app-body" data-view={active ? 'conversation' : 'list'}>
        <h1 className="visually-hidden">Parley</h1>
        <Sidebar
          activeId={active?.id ?? null}
          onSelect={select}
          onOpenUser={openUser}
          onOpenAccount={() => setAccountOpen(true)}
          onNewGroup={() => setNewGroupOpen(true)}
        />
        {active?.kind === 'group' ? (
          <GroupPane key={active.id} conversation={active} unreadFrom={unreadFrom} draft={draft} onDraftChange={setDraft} onBack={route.back} />
        ) : active ? (
          <ConversationPane
            conversation={active}
            unreadFrom={unreadFrom}
            draft={draft}
            onDraftChange={setDraft}
            onBack={route.back}
            muted={notify.prefs.muted.includes(active.peer)}
            onToggleMute={() => notify.toggleMute(active.peer)}
          />
        ) : (
          <EmptyPane notice={routeError} />
        )}
      </main>
      {newGroupOpen && <NewGroupDialog me={me} onCreated={(id) => route.go({ group: id })} onClose={() => setNewGroupOpen(false)} />}
      {accountOpen && <AccountDialog notifyPrefs={notify.prefs} onNotifyPrefs={notify.change} onClose={() => setAccountOpen(false)} />}
    </div>
  );
}
