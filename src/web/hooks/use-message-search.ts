// Search in the decrypted messages kept on this device, and the background work that fills its index.
import { useEffect, useState } from 'react';
import { ParleyError, type SearchHit } from '../../shared/client/index.js';
import { useClient, useClientState } from '../client-context.js';

/** Typing pauses this long before a search runs. */
const DEBOUNCE_MS = 250;
/** History pages indexed per connection, so a long history does not keep a fresh tab busy. */
const INDEX_PAGES_PER_CONNECTION = 50;

type SearchOutcome = { query: string; hits: SearchHit[] } | { query: string; error: string };

/** The hits for `query` (trimmed) once typing pauses; null while the query is empty. */
export function useMessageSearch(query: string): SearchOutcome | null {
  const client = useClient();
  const [outcome, setOutcome] = useState<SearchOutcome | null>(null);
  const wanted = query.trim();

  useEffect(() => {
    if (wanted === '') {
      setOutcome(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      client.search(wanted).then(
        (hits) => current && setOutcome({ query: wanted, hits }),
        (error: unknown) => current && setOutcome({ query: wanted, error: error instanceof ParleyError ? error.message : 'The search did not work; try again.' }),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, wanted]);

  return outcome;
}

/** History not yet decrypted on this device goes into the search index in the background, bounded per connection. */
export function useHistoryIndexing(): void {
  const client = useClient();
  const state = useClientState();
  const indexable = state.connection.status === 'online' && state.keys === 'unlocked';
  useEffect(() => {
    if (indexable) client.indexHistory({ maxPages: INDEX_PAGES_PER_CONNECTION }).catch(() => undefined);
  }, [client, indexable]);
}
