// Find someone by exact username and open a conversation with them; also filters the list while typing.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactElement } from 'react';
import { usernameInputProps } from '../lib/username-input.js';
import { SearchIcon } from './icons.js';

interface SearchBoxProps {
  query: string;
  onQueryChange(query: string): void;
  /** Resolves to null when the conversation opened, or to a sentence saying why not. */
  onOpen(username: string): Promise<string | null>;
}

export function SearchBox({ query, onQueryChange, onOpen }: SearchBoxProps): ReactElement {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const messageId = useId();
  const name = query.trim();
  const input = useRef<HTMLInputElement>(null);

  // Right after sign-in this is where a person starts: focus it, unless a touch keyboard would pop up for it.
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches && document.activeElement === document.body) input.current?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (name === '' || busy) return;
    setBusy(true);
    const problem = await onOpen(name);
    setBusy(false);
    setError(problem);
    if (problem === null) onQueryChange('');
  };

  return (
    <form className="search" role="search" onSubmit={(e) => void submit(e)}>
      <label htmlFor={inputId} className="visually-hidden">
        Find or start a conversation by username
      </label>
      <SearchIcon />
      <input
        ref={input}
        id={inputId}
        className="input"
        type="search"
        placeholder="Find or start a conversation"
        autoComplete="off"
        {...usernameInputProps}
        value={query}
        onChange={(e) => {
          onQueryChange(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            onQueryChange('');
            setError(null);
          }
        }}
        aria-describedby={messageId}
        aria-invalid={error !== null}
      />
      <p id={messageId} className="search-message" data-tone={error ? 'error' : 'hint'} role={error ? 'alert' : undefined}>
        {error ?? (name !== '' ? `Press Enter to message “${name}”. Usernames are case sensitive.` : '')}
      </p>
    </form>
  );
}
