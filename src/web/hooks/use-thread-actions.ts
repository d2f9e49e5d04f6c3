// What the direct and the group conversation hooks share: older pages, sending, discarding and typing notices.
import { useCallback, useState } from 'react';
import { ParleyError } from '../../shared/client/index.js';
import { useClient, useClientState } from '../client-context.js';

export interface ThreadActions {
  loadingOlder: boolean;
  loadOlder(): void;
  /** Queues a message; returns why it was refused, or null once it is queued. */
  send(body: string): string | null;
  discard(clientMsgId: string): void;
  /** The user typed (true) or emptied the box (false); the SDK throttles the notices. */
  typing(active: boolean): void;
}

const ownWords = (error: ParleyError): string => error.message;

/**
 * @param queue hands the text to the SDK, which throws a ParleyError when it refuses it
 * @param refusal the sentence shown for that error
 */
export function useThreadActions(id: number, queue: (body: string) => void, refusal: (error: ParleyError) => string = ownWords): ThreadActions {
  const client = useClient();
  const online = useClientState().connection.status === 'online';
  const [loadingOlder, setLoadingOlder] = useState(false);

  const loadOlder = useCallback(() => {
    if (loadingOlder || !online) return;
    setLoadingOlder(true);
    client
      .loadOlder(id)
      .catch(() => undefined)
      .finally(() => setLoadingOlder(false));
  }, [client, id, loadingOlder, online]);

  const send = useCallback(
    (body: string): string | null => {
      try {
        queue(body);
        return null;
      } catch (error) {
        // Shown under the composer, which keeps the draft.
        return error instanceof ParleyError ? refusal(error) : 'The message could not be queued; try again.';
      }
    },
    [queue, refusal],
  );
  const discard = useCallback((clientMsgId: string) => client.discard(clientMsgId), [client]);
  const typing = useCallback((active: boolean) => client.typing(id, active), [client, id]);

  return { loadingOlder, loadOlder, send, discard, typing };
}
