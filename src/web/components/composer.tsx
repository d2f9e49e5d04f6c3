// The message box: Enter sends, Shift+Enter adds a line, it grows with the text, and it tells the peer we type.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { messageSize, tooLongText } from '../../shared/client/index.js';
import { SendIcon } from './icons.js';

interface ComposerProps {
  peer: string;
  draft: string;
  /** The server's `body` limit from hello; the text's limit is what an encrypted envelope of that size can carry. */
  bodyMaxLength: number;
  onDraftChange(draft: string): void;
  /** Queues the message; returns why it was refused (the draft stays), or null once it is queued. */
  onSend(body: string): string | null;
  /** The user typed (true) or emptied the box (false); the SDK throttles and sends the notices. */
  onTyping(active: boolean): void;
}

export function Composer({ peer, draft, bodyMaxLength, onDraftChange, onSend, onTyping }: ComposerProps): ReactElement {
  const box = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const [refusal, setRefusal] = useState<string | null>(null);
  const body = draft.trim();
  // Counted as send() counts it: UTF-8 bytes of the text that gets encrypted.
  const size = useMemo(() => messageSize(body, bodyMaxLength), [body, bodyMaxLength]);
  const tooLong = !size.fits;
  const canSend = body !== '' && !tooLong;
  const problem = tooLong ? tooLongText(size) : refusal;

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
            onChange={(e) => {
              setRefusal(null);
              onDraftChange(e.target.value);
              onTyping(e.target.value.trim() !== '');
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
