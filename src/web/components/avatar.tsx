// A round avatar with the person's initials in their stable colour, plus an online dot when known.
import type { CSSProperties, ReactElement } from 'react';
import { avatarHue, initials } from '../lib/avatar.js';

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
