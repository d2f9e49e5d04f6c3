// The message box: Enter sends, Shift+Enter adds a line, it grows with the text, it tells the peer we type,
// and in a group `@` offers the members' names.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactElement, type RefObject } from 'react';
import { messageSize, tooLongText } from '../../shared/client/index.js';
import { completeMention, mentionAtCaret, mentionCandidates } from '../lib/mentions.js';
import { Avatar } from './avatar.js';
import { SendIcon } from './icons.js';

interface ComposerProps {
  /** Who the message goes to, as the box's label says it: "Message bob", "Message Ops". */
  peer: string;
  /** In a group: the members `@` completes (the user is left out). */
  mentionable?: { names: readonly string[]; me: string } | undefined;
  draft: string;
  /** The server's `body` limit from hello; the text's limit is what an encrypted envelope of that size can carry. */
  bodyMaxLength: number;
  onDraftChange(draft: string): void;
  /** Queues the message; returns why it was refused (the draft stays), or null once it is queued. */
  onSend(body: string): string | null;
  /** The user typed (true) or emptied the box (false); the SDK throttles and sends the notices. */
  onTyping(active: boolean): void;
}

export function Composer({ peer, mentionable, draft, bodyMaxLength, onDraftChange, onSend, onTyping }: ComposerProps): ReactElement {
  const box = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const [refusal, setRefusal] = useState<string | null>(null);
  const body = draft.trim();
  // Counted as send() counts it: UTF-8 bytes of the text that gets encrypted.
  const size = useMemo(() => messageSize(body, bodyMaxLength), [body, bodyMaxLength]);
  const tooLong = !size.fits;
  const canSend = body !== '' && !tooLong;
  const problem = tooLong ? tooLongText(size) : refusal;
  const mention = useMentionPicker(box, draft, mentionable, onDraftChange);

  // Grow with the text up to the CSS max-height, then scroll inside.
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${el.scrollHeight}px`;
  }, [draft]);

  useEffect(() => {
    box.current?.focus();
  }, [peer]);

  const send = () => {
    if (!canSend) return;
    // The draft is cleared only once the message is queued; a refusal is shown and the text stays.
    const refused = onSend(body);
    setRefusal(refused);
    if (refused !== null) return;
    onDraftChange('');
  };

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
        box.current?.focus();
      }}
    >
      <div className="composer-inner">
        <div className="composer-box">
          <label className="visually-hidden" htmlFor={`${hintId}-input`}>
            Message {peer}
          </label>
          <textarea
            ref={box}
            id={`${hintId}-input`}
            rows={1}
            placeholder={`Message ${peer}`}
            value={draft}
            aria-describedby={hintId}
            aria-invalid={problem !== null}
            {...mention.inputProps}
            onChange={(e) => {
              setRefusal(null);
              onDraftChange(e.target.value);
              onTyping(e.target.value.trim() !== '');
              mention.track(e.target);
            }}
            onSelect={(e) => mention.track(e.currentTarget)}
            onBlur={() => mention.close()}
            onKeyDown={(e) => {
              if (mention.onKeyDown(e)) return;
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
          {mention.list}
        </div>
        <button type="submit" className="send-btn" disabled={!canSend} aria-label="Send" title="Send">
          <SendIcon />
        </button>
      </div>
      <p className="composer-hint" id={hintId}>
        {problem !== null ? (
          <span className="composer-counter" role="alert">
            {problem}
          </span>
        ) : (
          <>
            <kbd>Enter</kbd> to send · <kbd>Shift</kbd> + <kbd>Enter</kbd> for a new line
          </>
        )}
      </p>
    </form>
  );
}

interface MentionPicker {
  /** The listbox's ARIA wiring for the text box. */
  /** A textarea keeps its textbox role, so no aria-expanded: the list's presence says it is open. */
  inputProps: { 'aria-autocomplete'?: 'list'; 'aria-controls'?: string; 'aria-activedescendant'?: string };
  /** Looks at the word before the caret after every edit or caret move. */
  track(box: HTMLTextAreaElement): void;
  close(): void;
  /** Arrow keys choose, Enter or Tab completes, Escape closes; true when the key was the picker's. */
  onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean;
  list: ReactElement | null;
}

/** The `@name` suggestions of a group's composer: a listbox over the box, driven from the text box (combobox pattern). */
function useMentionPicker(
  box: RefObject<HTMLTextAreaElement | null>,
  draft: string,
  mentionable: ComposerProps['mentionable'],
  onDraftChange: (draft: string) => void,
): MentionPicker {
  const listId = useId();
  const [at, setAt] = useState<{ start: number; caret: number; query: string } | null>(null);
  const [chosen, setChosen] = useState(0);
  const options = useMemo(
    () => (at && mentionable ? mentionCandidates(mentionable.names, at.query, mentionable.me) : []),
    [at, mentionable],
  );
  const open = options.length > 0;
  const active = Math.min(chosen, options.length - 1);

  const track = (el: HTMLTextAreaElement) => {
    if (!mentionable) return;
    const caret = el.selectionStart;
    const found = el.selectionEnd === caret ? mentionAtCaret(el.value, caret) : null;
    setAt(found && { ...found, caret });
    if (found?.query !== at?.query) setChosen(0);
  };
  const close = () => setAt(null);
  const complete = (username: string) => {
    if (!at) return;
    const next = completeMention(draft, at.start, at.caret, username);
    onDraftChange(next.text);
    setAt(null);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(next.caret, next.caret);
    });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!open || e.nativeEvent.isComposing) return false;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      setChosen((active + (e.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (e.key === 'Enter' || e.key === 'Tab') {
      complete(options[active] ?? '');
    } else if (e.key === 'Escape') {
      close();
    } else {
      return false;
    }
    e.preventDefault();
    e.stopPropagation();
    return true;
  };
  const optionId = (i: number) => `${listId}-${i}`;
  const inputProps: MentionPicker['inputProps'] = mentionable
    ? { 'aria-autocomplete': 'list', ...(open ? { 'aria-controls': listId, 'aria-activedescendant': optionId(active) } : {}) }
    : {};
  const list = open ? (
    <ul className="mention-list" role="listbox" id={listId} aria-label="People in this group">
      {options.map((name, i) => (
        <li
          key={name}
          id={optionId(i)}
          role="option"
          aria-selected={i === active}
          // Chosen on mouse down, before the box loses focus (which would close the list).
          onMouseDown={(e) => {
            e.preventDefault();
            complete(name);
          }}
        >
          <Avatar username={name} size={24} />
          <span>{name}</span>
        </li>
      ))}
    </ul>
  ) : null;
  return { inputProps, track, close, onKeyDown, list };
}
