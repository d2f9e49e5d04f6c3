// A conversation's encryption alarms under its header: a refused key, a misdirected conversation.
import type { ReactElement } from 'react';
import type { SecurityNote } from '../types.js';

/** How many of a conversation's encryption events stay on screen (the newest; refusals are never hidden). */
const NOTES_SHOWN = 3;

/**
 * Only alarms: the routine events (a new conversation key) are in the encryption details (KeysPanel),
 * whose summary sits in the header, so in the normal case nothing takes a line of its own.
 */
export function SecurityNotes({ notes }: { notes: readonly SecurityNote[] }): ReactElement | null {
  const shown = notes.filter((n) => n.kind !== 'new-epoch').slice(-NOTES_SHOWN);
  if (shown.length === 0) return null;
  return (
    <ul className="security-notes" aria-label="Encryption alerts">
      {shown.map((n) => (
        <li key={n.id} data-kind={n.kind} role="alert">
          ⚠ {n.text}
        </li>
      ))}
    </ul>
  );
}

/** The routine events, newest last, for the encryption details. */
export const routineNotes = (notes: readonly SecurityNote[]): readonly SecurityNote[] => notes.filter((n) => n.kind === 'new-epoch').slice(-NOTES_SHOWN);
