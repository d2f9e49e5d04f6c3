// The offer to turn on desktop notices; the browser asks its own question only after a click here.
import type { ReactElement } from 'react';
import { BellIcon, CloseIcon } from './icons.js';

interface NotifyPromptProps {
  onEnable(): void;
  onDismiss(): void;
}

export function NotifyPrompt({ onEnable, onDismiss }: NotifyPromptProps): ReactElement {
  return (
    <div className="notify-cta">
      <BellIcon />
      <p>Get notified of new messages.</p>
      <div className="notify-actions">
        <button type="button" className="btn btn-primary" onClick={onEnable}>
          Turn on
        </button>
        <button type="button" className="icon-btn notify-dismiss" onClick={onDismiss} aria-label="Not now" title="Not now">
          <CloseIcon />
        </button>
      </div>
    </div>
  );
}
