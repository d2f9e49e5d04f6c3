// Unsent drafts, per signed-in user and conversation, kept in this tab's sessionStorage: a reload keeps them,
// closing the tab forgets them (a draft is plaintext, so it is not left on disk in localStorage).

const key = (me: string, peer: string) => `parley.draft.${me}.${peer}`;

export function loadDraft(me: string, peer: string, storage: Storage = sessionStorage): string {
  try {
    return storage.getItem(key(me, peer)) ?? '';
  } catch {
    return '';
  }
}

export function saveDraft(me: string, peer: string, draft: string, storage: Storage = sessionStorage): void {
  try {
    if (draft === '') storage.removeItem(key(me, peer));
    else storage.setItem(key(me, peer), draft);
  } catch {
    // Storage full or disabled: the draft lives only as long as the page.
  }
}
