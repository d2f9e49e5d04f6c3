// A message's menu: reply (quote it into the composer) and copy its text. Opens from the "⋯" button that
// shows on hover or keyboard focus; Escape or a click elsewhere closes it.
import { useEffect, useId, useRef, useState, type ReactElement } from 'react';

interface MessageMenuProps {
  /** The button's name: "Actions for bob's message". */
  label: string;
  text: string;
  onReply(text: string): void;
}

/** Copies text, also where the Clipboard API is missing (a LAN address over http is not a secure context). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

export function MessageMenu({ label, text, onReply }: MessageMenuProps): ReactElement {
  const [open, setOpen] = useState(false);
  const [said, setSaid] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    first.current?.focus();
    const away = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  const choose = async (action: 'reply' | 'copy') => {
    setOpen(false);
    if (action === 'reply') return onReply(text);
    setSaid((await copyText(text)) ? 'Copied' : 'Could not copy');
    setTimeout(() => setSaid(null), 2_000);
  };

  return (
    <div
      className="msg-menu"
      ref={root}
      data-open={open}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation();
          setOpen(false);
        }
      }}
    >
      <button
        type="button"
        className="msg-menu-btn"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)}
      >
        ⋯
      </button>
      {open && (
        <div className="msg-menu-list" role="menu" id={menuId}>
          <button type="button" role="menuitem" ref={first} onClick={() => void choose('reply')}>
            Reply
          </button>
          <button type="button" role="menuitem" onClick={() => void choose('copy')}>
            Copy text
          </button>
        </div>
      )}
      <span className="msg-menu-said" role="status">
        {said}
      </span>
    </div>
  );
}

/** The composer text that quotes `text`: each line behind "> ", then a blank line for the answer. */
export const quoteOf = (text: string): string =>
  `${text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n')}\n\n`;

/** A message's leading quoted lines and the rest, so a reply draws the quote apart from the answer. */
export function splitQuote(text: string): { quote: string | null; rest: string } {
  const lines = text.split('\n');
  let n = 0;
  while (n < lines.length && lines[n]!.startsWith('> ')) n++;
  if (n === 0) return { quote: null, rest: text };
  return { quote: lines.slice(0, n).map((l) => l.slice(2)).join('\n'), rest: lines.slice(n).join('\n').replace(/^\n+/, '') };
}
