// "Seen by 3 of 5" under your last message in a group; a click shows who.
import { useId, useState, type ReactElement } from 'react';

interface SeenByProps {
  names: readonly string[];
  /** The other members who can read it (not those who joined after it without the group's history). */
  total: number;
}

export function SeenBy({ names, total }: SeenByProps): ReactElement | null {
  const [open, setOpen] = useState(false);
  const listId = useId();
  if (names.length === 0 || total === 0) return null;
  const sorted = [...names].sort((a, b) => a.localeCompare(b));
  return (
    <div className="seen-by">
      <button type="button" className="link-btn" aria-expanded={open} aria-controls={listId} onClick={() => setOpen((o) => !o)}>
        Seen by {Math.min(names.length, total)} of {total}
      </button>
      {open && (
        <p id={listId} className="seen-by-names">
          {sorted.join(', ')}
        </p>
      )}
    </div>
  );
}
