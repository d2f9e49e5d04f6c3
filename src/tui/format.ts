// Text helpers for the screens: local times, delivery marks, and how many terminal rows a line takes.
import type { DeliveryStatus } from '../shared/client/index.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM for today, otherwise YYYY-MM-DD HH:MM, in the machine's local time zone. */
export function formatTime(ts: number, now: number = Date.now()): string {
  const date = new Date(ts);
  const today = new Date(now);
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  const sameDay =
    date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
  return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
}

/** HH:MM alone, for lines under a day separator. */
export const formatClock = (ts: number): string => formatTime(ts, ts);

/** The local calendar day of a time, as a key: two times on the same day give the same one. */
export function dayOf(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A day separator's words: Today, Yesterday, or the weekday and date (YYYY-MM-DD, as the times elsewhere). */
export function dayLabel(ts: number, now: number = Date.now()): string {
  const day = dayOf(ts);
  if (day === dayOf(now)) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day === dayOf(yesterday.getTime())) return 'Yesterday';
  return `${WEEKDAYS[new Date(ts).getDay()]} ${day}`;
}

export function statusMark(status: DeliveryStatus | null, error?: { message: string }): string {
  switch (status) {
    case null:
      return '';
    case 'sending':
      return '[sending]';
    case 'sent':
      return '[sent]';
    case 'seen':
      return '[seen]';
    case 'failed':
      return `[not sent: ${error?.message ?? 'failed'}]`;
  }
}

/** Rows a text needs at `columns` wide, counting its own line breaks (an estimate: wide characters count as one). */
export function rowsFor(text: string, columns: number): number {
  const width = Math.max(columns, 1);
  return text.split('\n').reduce((sum, line) => sum + Math.max(1, Math.ceil([...line].length / width)), 0);
}

/** One line, at most `max` characters, for previews. */
export function preview(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(max - 1, 0))}…`;
}

export function retryIn(nextRetryAt: number, now: number): string {
  const seconds = Math.max(0, Math.ceil((nextRetryAt - now) / 1000));
  return seconds === 0 ? 'retrying now' : `next try in ${seconds} s`;
}
