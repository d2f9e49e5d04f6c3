// Who has read a message of yours in a group: asked when the message changes, then again every few seconds
// while the page is on screen (read marks in groups are many people's, so they are asked for, not pushed).
import { useEffect, useState } from 'react';
import { useClient, useClientState } from '../client-context.js';
import { usePageVisible } from './use-page-visible.js';

const REFRESH_MS = 3_000;

/** The members (not you) whose read mark reached `seq`; null until the first answer, or without a seq. */
export function useSeenBy(conversationId: number, seq: number | null): readonly string[] | null {
  const client = useClient();
  const online = useClientState().connection.status === 'online';
  const visible = usePageVisible();
  const [seen, setSeen] = useState<{ key: string; names: readonly string[] } | null>(null);
  const key = `${conversationId}:${seq ?? ''}`;

  useEffect(() => {
    if (seq === null || !online) return;
    let live = true;
    const ask = () =>
      client
        .seenBy(conversationId, seq)
        .then(
          (names) => live && setSeen((before) => (before?.key === key && same(before.names, names) ? before : { key, names })),
          () => undefined,
        );
    void ask();
    const timer = visible ? setInterval(() => void ask(), REFRESH_MS) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, conversationId, seq, key, online, visible]);

  return seen?.key === key ? seen.names : null;
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((name, i) => name === b[i]);
