// Human time labels for the message list and the sidebar, in the browser's own locale.

const DAY_MS = 24 * 60 * 60 * 1000;

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const weekdayShort = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dayMonth = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const fullDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const shortDateYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: '2-digit' });
const precise = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Whole calendar days from `ts` to `now` (0 = same day), counted in local time. */
export function daysAgo(ts: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(ts)) / DAY_MS);
}

export function sameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

export function formatClock(ts: number): string {
  return clock.format(ts);
}

/** Full date and time, for a tooltip. */
export function formatPrecise(ts: number): string {
  return precise.format(ts);
}

/** The label of a day separator in a conversation: "Today", "Yesterday", "Monday", or a date. */
export function formatDay(ts: number, now: number): string {
  const days = daysAgo(ts, now);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) return dayMonth.format(ts);
  return fullDate.format(ts);
}

/** The short time in the conversation list: a clock today, then "Yesterday", a weekday, a date. */
export function formatListTime(ts: number, now: number): string {
  const days = daysAgo(ts, now);
  if (days === 0) return formatClock(ts);
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekdayShort.format(ts);
  if (new Date(ts).getFullYear() === new Date(now).getFullYear()) return shortDate.format(ts);
  return shortDateYear.format(ts);
}
