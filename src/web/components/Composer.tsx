// The message box: Enter sends, Shift+Enter adds a line, it grows with the text, and it tells the peer we type.
import { useEffect, useId, useLayoutEffect, useRef, type ReactElement } from 'react';
import { SendIcon } from './Icons.js';

interface ComposerProps {
  peer: string;
  draft: string;
  maxLength: number;
  onDraftChange(draft: string): void;
  onSend(body: string): void;
  onTyping(): void;
}

/** How often, at most, a "typing" notice goes out while the user keeps typing. */
const TYPING_EVERY_MS = 3000;

export function Composer({ peer, draft, maxLength, onDraftChange, onSend, onTyping }: ComposerProps): ReactElement {
  const box = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const hintId = useId();
  const body = draft.trim();
  const tooLong = draft.length > maxLength;
  const canSend = body !== '' && !tooLong;

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
    onSend(body);
    onDraftChange('');
    lastTyping.current = 0;
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
            aria-invalid={tooLong}
            onChange={(e) => {
              onDraftChange(e.target.value);
              const now = Date.now();
              if (e.target.value.trim() !== '' && now - lastTyping.current > TYPING_EVERY_MS) {
                lastTyping.current = now;
                onTyping();
              }
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
                e.preventDefault();
                send();
              }
            }}
          />
        </div>
        <button type="submit" className="send-btn" disabled={!canSend} aria-label="Send" title="Send">
          <SendIcon />
        </button>
      </div>
      <p className="composer-hint" id={hintId}>
        {tooLong ? (
          <span className="composer-counter">
            {draft.length.toLocaleString()} / {maxLength.toLocaleString()} characters — shorten the message to send it.
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
