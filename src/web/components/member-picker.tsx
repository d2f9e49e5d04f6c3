// Choosing people for a group: type to filter the people you know and those online, Enter adds the exact
// username typed (after checking it exists), and each chosen person is a chip with a remove button.
import { useId, useState, type ReactElement } from 'react';
import { usernameInputProps } from '../lib/username-input.js';
import { Avatar } from './avatar.js';
import { CloseIcon } from './icons.js';

interface MemberPickerProps {
  label: string;
  selected: readonly string[];
  onChange(selected: readonly string[]): void;
  /** People to offer for `query` (contacts, people online); the chosen and the excluded are left out here. */
  suggestions: readonly string[];
  /** Already in the group, or the user: never offered. */
  exclude: ReadonlySet<string>;
  query: string;
  onQueryChange(query: string): void;
  /** Resolves to null when the username exists, or to a sentence saying why it cannot be added. */
  check(username: string): Promise<string | null>;
}

export function MemberPicker({ label, selected, onChange, suggestions, exclude, query, onQueryChange, check }: MemberPickerProps): ReactElement {
  const inputId = useId();
  const hintId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = new Set(selected);
  const offered = suggestions.filter((name) => !chosen.has(name) && !exclude.has(name)).slice(0, 8);

  const add = (name: string) => {
    onChange([...selected, name]);
    onQueryChange('');
    setError(null);
  };

  const addTyped = async () => {
    const name = query.trim();
    if (name === '' || busy) return;
    if (chosen.has(name)) return onQueryChange('');
    if (exclude.has(name)) return setError(`${name} is already in the group.`);
    setBusy(true);
    const problem = await check(name);
    setBusy(false);
    if (problem === null) add(name);
    else setError(problem);
  };

  return (
    <div className="member-picker">
      <label htmlFor={inputId} className="field-label">
        {label}
      </label>
      {selected.length > 0 && (
        <ul className="chips" aria-label="Chosen people">
          {selected.map((name) => (
            <li key={name} className="chip">
              <Avatar username={name} size={22} />
              <span>{name}</span>
              <button type="button" className="chip-remove" aria-label={`Remove ${name}`} onClick={() => onChange(selected.filter((n) => n !== name))}>
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={inputId}
        className="input"
        type="search"
        placeholder="Username"
        autoComplete="off"
        {...usernameInputProps}
        value={query}
        aria-describedby={hintId}
        aria-invalid={error !== null}
        onChange={(e) => {
          onQueryChange(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key !== 'Enter') return;
          // Enter adds the person; it must not submit the whole form.
          e.preventDefault();
          void addTyped();
        }}
      />
      <p id={hintId} className="field-hint" data-tone={error ? 'error' : 'hint'} role={error ? 'alert' : undefined}>
        {error ?? (query.trim() !== '' ? `Press Enter to add “${query.trim()}”. Usernames are case sensitive.` : 'Pick from the list, or type a username and press Enter.')}
      </p>
      {offered.length > 0 && (
        <ul className="people-list picker-suggestions" aria-label="Suggestions">
          {offered.map((name) => (
            <li key={name}>
              <button type="button" className="person" onClick={() => add(name)} aria-label={`Add ${name}`}>
                <Avatar username={name} size={28} />
                <span className="person-name">{name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
