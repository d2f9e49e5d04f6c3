// A group's head: back to the list, its name and member count (or who is typing), the members button and the mute bell.
import type { ReactElement } from 'react';
import { GroupAvatar } from './avatar.js';
import { BackIcon, BellIcon, PeopleIcon } from './icons.js';

interface GroupHeaderProps {
  name: string;
  groupId: string;
  memberCount: number;
  /** False once you left or were removed. */
  member: boolean;
  typingNames: readonly string[];
  connected: boolean;
  muted: boolean;
  onBack(): void;
  onToggleMute(): void;
  onOpenMembers(): void;
}

function typingText(names: readonly string[]): string {
  if (names.length === 1) return `${names[0] ?? ''} is typing…`;
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
  return 'Several people are typing…';
}

export function GroupHeader(props: GroupHeaderProps): ReactElement {
  const { name, groupId, memberCount, member, typingNames, connected, muted, onBack, onToggleMute, onOpenMembers } = props;
  const count = `${memberCount} member${memberCount === 1 ? '' : 's'}`;
  const status = !member ? 'You are no longer in this group' : !connected ? 'Waiting for the connection…' : typingNames.length > 0 ? typingText(typingNames) : count;
  return (
    <header className="pane-header">
      <button type="button" className="icon-btn pane-back" onClick={onBack} aria-label="Back to conversations">
        <BackIcon />
      </button>
      <GroupAvatar name={name} seed={groupId} size={40} />
      <div className="pane-title">
        <h2 className="pane-name">
          <bdi>{name}</bdi>
        </h2>
        <span className="pane-status" data-typing={typingNames.length > 0} data-testid="group-status">
          {status}
        </span>
      </div>
      <button type="button" className="icon-btn" onClick={onOpenMembers} aria-label={`Members (${count})`} title="Members and group settings">
        <PeopleIcon />
      </button>
      <button
        type="button"
        className="icon-btn pane-mute"
        aria-pressed={muted}
        onClick={onToggleMute}
        title={muted ? 'Notices from this group are off, except when you are mentioned; click to turn them on' : 'Mute notices from this group (mentions still notify)'}
      >
        <BellIcon />
        <span className="visually-hidden">Mute notices</span>
        {muted && <span className="pane-mute-slash" aria-hidden="true" />}
      </button>
    </header>
  );
}
