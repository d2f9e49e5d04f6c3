// The user's choices about desktop notices, kept per user in this browser, and the offer to turn them on.
import { useCallback, useState } from 'react';
import {
  dismissNotifyPrompt,
  loadNotifyPrefs,
  notifyPermission,
  notifyPromptDismissed,
  requestNotifyPermission,
  saveNotifyPrefs,
  type NotifyPrefs,
} from '../lib/notifications.js';

interface NotifySettings {
  prefs: NotifyPrefs;
  change(prefs: NotifyPrefs): void;
  /** Mutes notices from `peer`, or turns them back on. */
  toggleMute(peer: string): void;
}

export function useNotifyPrefs(me: string): NotifySettings {
  const [prefs, setPrefs] = useState(() => loadNotifyPrefs(me));
  const change = useCallback(
    (next: NotifyPrefs) => {
      setPrefs(next);
      saveNotifyPrefs(me, next);
    },
    [me],
  );
  const toggleMute = useCallback(
    (peer: string) => change({ ...prefs, muted: prefs.muted.includes(peer) ? prefs.muted.filter((p) => p !== peer) : [...prefs.muted, peer] }),
    [change, prefs],
  );
  return { prefs, change, toggleMute };
}

interface NotifyPrompt {
  /** The browser has not been asked yet, and the user did not say "not now". */
  shown: boolean;
  /** Asks the browser (it shows its own question); only ever on a click. */
  enable(): void;
  dismiss(): void;
}

export function useNotifyPrompt(): NotifyPrompt {
  const [permission, setPermission] = useState(notifyPermission);
  const [dismissed, setDismissed] = useState(() => notifyPromptDismissed());
  const enable = useCallback(() => void requestNotifyPermission().then(setPermission), []);
  const dismiss = useCallback(() => {
    dismissNotifyPrompt();
    setDismissed(true);
  }, []);
  return { shown: permission === 'default' && !dismissed, enable, dismiss };
}
