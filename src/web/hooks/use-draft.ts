// The unsent draft of the conversation with `peer`: it comes back when the conversation opens again.
import { useCallback, useEffect, useState } from 'react';
import { loadDraft, saveDraft } from '../lib/drafts.js';

export function useDraft(me: string, peer: string | null): [string, (text: string) => void] {
  const [draft, setDraftState] = useState(() => (peer === null ? '' : loadDraft(me, peer)));
  useEffect(() => {
    setDraftState(peer === null ? '' : loadDraft(me, peer));
  }, [me, peer]);
  const setDraft = useCallback(
    (text: string) => {
      setDraftState(text);
      if (peer !== null) saveDraft(me, peer, text);
    },
    [me, peer],
  );
  return [draft, setDraft];
}
