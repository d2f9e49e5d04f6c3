// The right column for a group: its head, alarms about its membership or keys, the history with authors
// and membership lines, "seen by" under your last message, and the composer with @ completion.
import { useMemo, useState, type ReactElement } from 'react';
import type { GroupSummary } from '../../shared/protocol.js';
import { useClientState, useMe } from '../client-context.js';
import { Composer } from '../components/composer.js';
import { GroupHeader } from '../components/group-header.js';
import { MessageList } from '../components/message-list.js';
import { quoteOf } from '../components/message-menu.js';
import { SecurityNotes } from '../components/security-notes.js';
import { SeenBy } from '../components/seen-by.js';
import { useGroupConversation } from '../hooks/use-group-conversation.js';
import { useNow } from '../hooks/use-now.js';
import { useSeenBy } from '../hooks/use-seen-by.js';
import { MembersPanel } from './members-panel.js';

interface GroupPaneProps {
  conversation: GroupSummary;
  unreadFrom: number | null;
  draft: string;
  onDraftChange(draft: string): void;
  onBack(): void;
}

export function GroupPane({ conversation, unreadFrom, draft, onDraftChange, onBack }: GroupPaneProps): ReactElement {
  const group = useGroupConversation(conversation);
  const me = useMe();
  const state = useClientState();
  const now = useNow();
  const [membersOpen, setMembersOpen] = useState(false);
  const connected = state.connection.status === 'online';
  const member = group.myRole !== null;
  const names = useMemo(() => group.members.map((m) => m.username), [group.members]);
  // Highlighted: anyone the group ever named, so a mention of someone who has since left still reads as one.
  const timeline = group.view?.timeline;
  const mentionContext = useMemo(
    () => ({ names: new Set([...names, ...(timeline ?? []).flatMap((l) => [l.actor, ...l.targets])]), me }),
    [names, timeline, me],
  );
  const mentionable = useMemo(() => ({ names, me }), [names, me]);
  const memberCount = group.view ? group.members.length : conversation.memberCount;

  // Under your newest delivered message: who of the others has read that far.
  const lastMine = [...group.items].reverse().find((i) => i.mine && i.seq !== null);
  const seen = useSeenBy(conversation.id, lastMine?.seq ?? null);
  const footer = lastMine && seen ? { key: lastMine.key, node: <SeenBy names={seen.names} total={seen.of} /> } : undefined;

  return (
    <section className="pane" id="conversation" tabIndex={-1} aria-label={`Group ${group.name}`}>
      <GroupHeader
        name={group.name}
        groupId={conversation.groupId}
        memberCount={memberCount}
        member={member}
        typingNames={group.typingNames}
        connected={connected}
        muted={group.muted}
        onBack={onBack}
        onToggleMute={() => group.setMuted(!group.muted)}
        onOpenMembers={() => setMembersOpen(true)}
      />
      <SecurityNotes notes={group.security} />

      <MessageList
        conversationKey={String(conversation.id)}
        title={group.name}
        group={{ mentions: mentionContext, lines: group.lines, ...(footer ? { footer } : {}) }}
        items={group.items}
        more={group.thread.more}
        loaded={group.thread.loaded}
        loadingOlder={group.loadingOlder}
        now={now}
        unreadFrom={unreadFrom}
        onReply={(text) => onDraftChange(quoteOf(text) + draft)}
        onLoadOlder={group.loadOlder}
        onDiscard={group.discard}
      />

      <div className="typing" aria-live="polite" />

      {member ? (
        <Composer
          peer={group.name}
          mentionable={mentionable}
          draft={draft}
          bodyMaxLength={state.limits.bodyMaxLength}
          onDraftChange={onDraftChange}
          onSend={group.send}
          onTyping={group.typing}
        />
      ) : (
        <p className="composer composer-closed" role="status">
          You are no longer a member of this group, so you cannot send messages here.
        </p>
      )}
      {membersOpen && <MembersPanel conversation={conversation} name={group.name} onClose={() => setMembersOpen(false)} />}
    </section>
  );
}
