// The people online right now (you included, as the old messenger showed), each a click away from a chat.
import type { ReactElement } from 'react';
import { Avatar } from './avatar.js';

interface OnlineListProps {
  me: string;
  online: readonly string[];
  onOpen(username: string): void;
}

export function OnlineList({ me, online, onOpen }: OnlineListProps): ReactElement {
  const people = [...online].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
  if (people.length === 0) return <p className="empty-note">Nobody is online.</p>;
  return (
    <ul className="people-list" aria-label="People online">
      {people.map((name) => (
        <li key={name}>
          {name === me ? (
            <div className="person" aria-label={`${name} (you)`}>
              <Avatar username={name} online size={30} />
              <span className="person-name">{name}</span>
              <span className="person-you">you</span>
            </div>
          ) : (
            <button
              type="button"
              className="person"
              onClick={() => onOpen(name)}
              title={`Chat with ${name}`}
              data-person={name}
            >
              <Avatar username={name} online size={30} />
              <span className="person-name">{name}</span>
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
