// A round avatar with the person's initials in their stable colour, plus an online dot when known.
import type { CSSProperties, ReactElement } from 'react';
import { avatarHue, groupInitials, initials } from '../lib/avatar.js';

interface AvatarProps {
  username: string;
  online?: boolean;
  size?: number;
}

export function Avatar({ username, online = false, size = 40 }: AvatarProps): ReactElement {
  const style = { '--hue': avatarHue(username), '--avatar-size': `${size}px` } as CSSProperties;
  return (
    <span className="avatar" style={style} aria-hidden="true">
      {initials(username)}
      {online && <span className="avatar-dot" />}
    </span>
  );
}

/** A group's square avatar: the initials of its name, in a colour drawn from its id (the name can change). */
export function GroupAvatar({ name, seed, size = 40 }: { name: string; seed: string; size?: number }): ReactElement {
  const style = { '--hue': avatarHue(seed), '--avatar-size': `${size}px` } as CSSProperties;
  return (
    <span className="avatar avatar-group" style={style} aria-hidden="true">
      {groupInitials(name)}
    </span>
  );
}
