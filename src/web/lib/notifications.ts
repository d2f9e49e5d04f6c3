// Desktop notifications: asked for only on a click, shown only while the tab is hidden, one per conversation.

type NotifyPermission = NotificationPermission | 'unsupported';

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

export async function requestNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === 'undefined') return 'unsupported';
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

const DISMISSED_KEY = 'parley.notifyPromptDismissed';

/** "Not now" is remembered in this browser, so the offer does not nag on every visit. */
export function notifyPromptDismissed(): boolean {
  try {
    return globalThis.localStorage?.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

export function dismissNotifyPrompt(): void {
  try {
    globalThis.localStorage?.setItem(DISMISSED_KEY, '1');
  } catch {
    // storage blocked: the offer simply comes back next time
  }
}

interface MessageNotice {
  conversationId: number;
  from: string;
  body: string;
  /** A group's message: its name, whether the user muted it, and whether the message mentions them. */
  group?: GroupNotice;
}

/** A group message's notice: muted groups stay quiet unless the message mentions the user. */
export interface GroupNotice {
  name: string;
  muted: boolean;
  mention: boolean;
}

/** What the user chose about notices: message text hidden (shared screens, lock screens), conversations muted. */
export interface NotifyPrefs {
  hideText: boolean;
  /** Peers whose conversations raise no notice. */
  muted: readonly string[];
}

const prefsKey = (me: string) => `parley.notify.${me}`;

export function loadNotifyPrefs(me: string, storage: Storage | undefined = globalThis.localStorage): NotifyPrefs {
  try {
    const saved = JSON.parse(storage?.getItem(prefsKey(me)) ?? '{}') as Partial<NotifyPrefs>;
    return { hideText: saved.hideText === true, muted: Array.isArray(saved.muted) ? saved.muted.filter((p) => typeof p === 'string') : [] };
  } catch {
    return { hideText: false, muted: [] };
  }
}

export function saveNotifyPrefs(me: string, prefs: NotifyPrefs, storage: Storage | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(prefsKey(me), JSON.stringify(prefs));
  } catch {
    // storage blocked: the choice lasts as long as the page
  }
}

/** The notice to show for a message from `peer`, or null when that conversation is muted. */
export function noticeText(prefs: NotifyPrefs, peer: string, body: string, group?: GroupNotice): { title: string; body: string } | null {
  if (group) {
    if (group.muted && !group.mention) return null;
    const title = group.mention ? `${peer} mentioned you in ${group.name}` : group.name;
    if (prefs.hideText) return { title, body: group.mention ? 'New mention' : `New message from ${peer}` };
    const text = `${peer}: ${body}`;
    return { title, body: text.length > 160 ? `${text.slice(0, 157)}…` : text };
  }
  if (prefs.muted.includes(peer)) return null;
  if (prefs.hideText) return { title: peer, body: 'New message' };
  return { title: peer, body: body.length > 160 ? `${body.slice(0, 157)}…` : body };
}

/** Shows a notice that brings the tab forward and opens the conversation when clicked. */
export function showMessageNotice(notice: MessageNotice, prefs: NotifyPrefs, onOpen: (conversationId: number) => void): void {
  if (notifyPermission() !== 'granted') return;
  const text = noticeText(prefs, notice.from, notice.body, notice.group);
  if (text === null) return;
  const body = text.body;
  try {
    // The tag makes a newer message from the same conversation replace the older notice instead of piling up.
    const shown = new Notification(text.title, { body, tag: `parley-conversation-${notice.conversationId}`, icon: '/favicon.svg' });
    shown.onclick = () => {
      window.focus();
      onOpen(notice.conversationId);
      shown.close();
    };
  } catch {
    // Some browsers (Android Chrome) only allow notifications from a service worker; the title still counts.
  }
}
