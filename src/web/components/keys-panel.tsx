// End-to-end encryption in a conversation's details: the safety number, "mark verified", and the key-change warning.
import type { ReactElement } from 'react';
import type { ContactKeys } from '../../shared/client/index.js';
import { useSafetyNumber } from '../hooks/use-safety-number.js';
import type { SecurityNote } from '../types.js';

interface KeysPanelProps {
  peer: string;
  keys: ContactKeys | undefined;
  /** The conversation's routine key events (new conversation keys), newest last. */
  history: readonly SecurityNote[];
}

/** Key it by `peer`: another conversation must never show (or verify) this one's safety number. */
export function KeysPanel({ peer, keys, history }: KeysPanelProps): ReactElement {
  const { digits, error, show, verify } = useSafetyNumber(peer);
  const changed = keys?.status === 'changed';
  return (
    <>
      {changed ? (
        <div className="keys-warning" role="alert">
          ⚠ {peer}'s keys changed{keys.wasVerified ? ' after you verified them' : ''}. If you did not expect this, the server may be
          intercepting: compare the new safety number with {peer} before sending.
        </div>
      ) : null}
      <details
        className="keys-details"
        onToggle={(e) => {
          if (e.currentTarget.open) show();
        }}
      >
        <summary>
          Encryption · {keys?.verified ? 'verified' : changed ? 'keys changed' : 'not verified'}
        </summary>
        <p>Compare this safety number with {peer} (in person or by a call). If it matches, mark it verified.</p>
        {/* An <output> (a computed result) may carry a label that assistive technology reads; a <p> may not. */}
        <output className="safety-number" aria-label="Safety number">
          {digits ?? 'Computing…'}
        </output>
        {error ? <p role="alert">{error}</p> : null}
        <button
          type="button"
          className={keys?.verified ? 'btn btn-ghost' : 'btn btn-primary'}
          onClick={verify}
          disabled={digits === null || (keys?.verified ?? false)}
        >
          {keys?.verified ? 'Verified' : 'Mark verified'}
        </button>
        {history.length > 0 && (
          <ul className="keys-history" aria-label="Encryption events">
            {history.map((n) => (
              <li key={n.id}>🔒 {n.text}</li>
            ))}
          </ul>
        )}
      </details>
    </>
  );
}
