// A contact's safety number, computed when asked for, and marking the keys behind it verified.
import { useCallback, useState } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import { useClient } from '../client-context.js';

interface SafetyNumber {
  /** The number on screen; null until computed. */
  digits: string | null;
  error: string | null;
  show(): void;
  verify(): void;
}

/** Call it in a component keyed by `peer`: another contact must never show (or verify) this one's number. */
export function useSafetyNumber(peer: string): SafetyNumber {
  const client = useClient();
  const [digits, setDigits] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const compute = useCallback(() => {
    client.safetyNumber(peer).then(
      (number) => setDigits(number.digits),
      (e: unknown) => setError(e instanceof Error ? e.message : 'The safety number is not available right now.'),
    );
  }, [client, peer]);

  const show = useCallback(() => {
    setError(null);
    compute();
  }, [compute]);

  const verify = useCallback(() => {
    if (digits === null) return;
    // Only the keys behind the number on screen: if they changed meanwhile, the new number is shown instead.
    client.markVerified(peer, true, digits).catch((e: unknown) => {
      setError(e instanceof Error ? e.message : 'Could not mark verified.');
      if (e instanceof ParleyError && e.code === 'KEYS_CHANGED') {
        setDigits(null);
        compute();
      }
    });
  }, [client, peer, digits, compute]);

  return { digits, error, show, verify };
}
