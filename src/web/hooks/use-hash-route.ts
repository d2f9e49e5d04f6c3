// Which conversation is open, kept in the address (#/chat/NAME, #/group/ID): Back returns to the list instead
// of leaving the app, a reload reopens the same chat, and a link to #/chat/NAME opens that person's conversation.
import { useCallback, useMemo, useSyncExternalStore } from 'react';

const PREFIX = '#/chat/';
const GROUP_PREFIX = '#/group/';

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

/** The username in the address, or null for the conversation list. */
function peerOfHash(hash: string): string | null {
  if (!hash.startsWith(PREFIX)) return null;
  try {
    const peer = decodeURIComponent(hash.slice(PREFIX.length));
    return peer === '' ? null : peer;
  } catch {
    return null;
  }
}

/** The group conversation's id in the address, or null. */
function groupOfHash(hash: string): number | null {
  if (!hash.startsWith(GROUP_PREFIX)) return null;
  const id = Number(hash.slice(GROUP_PREFIX.length));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** Where to go: a person's conversation by username, a group by conversation id, or the list (null). */
export type RouteTarget = string | { group: number } | null;

const hashOf = (target: RouteTarget): string =>
  target === null ? '#/' : typeof target === 'string' ? `${PREFIX}${encodeURIComponent(target)}` : `${GROUP_PREFIX}${target.group}`;

/** Marks history entries this app pushed, so its own Back button can return instead of adding an entry. */
const PUSHED = 'parley-pushed';

export interface HashRoute {
  /** The username in the address, or null for the list or a group. */
  peer: string | null;
  /** The group conversation in the address, or null. */
  group: number | null;
  /** Opens a conversation (null: the list) as a new history entry, or in place with `replace`. */
  go(target: RouteTarget, options?: { replace?: boolean }): void;
  /** The app's Back: the browser's Back when the app opened this chat, else the list in place. */
  back(): void;
}

export function useHashRoute(): HashRoute {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  const go = useCallback((target: RouteTarget, { replace = false } = {}) => {
    const next = hashOf(target);
    if (location.hash === next || (next === '#/' && location.hash === '')) return;
    if (replace) history.replaceState(history.state, '', next);
    else history.pushState(PUSHED, '', next);
    // pushState and replaceState fire no hashchange of their own.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  }, []);
  const back = useCallback(() => {
    if (history.state === PUSHED) history.back();
    else go(null, { replace: true });
  }, [go]);
  return useMemo(() => ({ peer: peerOfHash(hash), group: groupOfHash(hash), go, back }), [hash, go, back]);
}
