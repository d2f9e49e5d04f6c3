// The right column with no conversation open; with a notice, why the one a link named could not be opened.
import type { ReactElement } from 'react';
import { ChatIcon } from './icons.js';

export function EmptyPane({ notice = null }: { notice?: string | null }): ReactElement {
  return (
    <section className="pane" id="conversation" tabIndex={-1} aria-label="No conversation open">
      <div className="pane-empty">
        <div className="pane-empty-art">
          <ChatIcon />
        </div>
        <h2>Pick up a conversation</h2>
        {notice !== null ? (
          <p className="form-error" role="alert">
            {notice}
          </p>
        ) : null}
        <p>Choose one on the left, or search for a username to start a new one.</p>
      </div>
    </section>
  );
}
