// Desktop notifications: asked for only on a click, shown only while the tab is hidden, one per conversation.

export type NotifyPermission = NotificationPermission | 'unsupported';

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

export interface MessageNotice {
  conversationId: number;
  from: string;
  body: string;
}

/** Shows a notice that brings the tab forward and opens the conversation when clicked. */
export function showMessageNotice(notice: MessageNotice, onOpen: (conversationId: number) => void): void {
  if (notifyPermission() !== 'granted') return;
  const body = notice.body.length > 160 ? `${notice.body.slice(0, 157)}…` : notice.body;
  try {
    // The tag makes a newer message from the same conversation replace the older notice instead of piling up.
    const shown = new Notification(notice.from, { body, tag: `parley-conversation-${notice.conversationId}`, icon: '/favicon.svg' });
    shown.onclick = () => {
      window.focus();
      onOpen(notice.conversationId);
      shown.close();
    };
  } catch {
    // Some browsers (Android Chrome) only allow notifications from a service worker; the title still counts.
  }
}
