// End-to-end encryption in a conversation's details: the safety number, "mark verified", and the key-change warning.
import { useState, type ReactElement } from 'react';
import { ParleyError, type ContactKeys, type ParleyClient } from '../../shared/client/index.js';
import type { SecurityNote } from '../types.js';

interface KeysPanelProps {
  client: ParleyClient;
  peer: string;
  keys: ContactKeys | undefined;
  /** The conversation's routine key events (new conversation keys), newest last. */
  history: readonly SecurityNote[];
}

export function KeysPanel({ client, peer, keys, history }: KeysPanelProps): ReactElement {
  const [digits, setDigits] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = async () => {
    try {
      setDigits((await client.safetyNumber(peer)).digits);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The safety number is not available right now.');
    }
  };
  const verify = async () => {
    if (digits === null) return;
    try {
      // Only the keys behind the number on screen: if they changed meanwhile, the new number is shown instead.
      await client.markVerified(peer, true, digits);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Could not mark verified.');
      if (e instanceof ParleyError && e.code === 'KEYS_CHANGED') {
        setDigits(null);
        void show();
      }
    }
  };
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
          if (!e.currentTarget.open) return;
          setError(null);
          void show();
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
          onClick={() => void verify()}
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
