// What the terminal client writes for times, days, delivery marks, and how many rows a text takes.
import { describe, expect, it } from 'vitest';
import { dayLabel, formatTime, rowsFor, statusMark } from './format.js';

describe('formatting', () => {
  it('shows local HH:MM today and the date otherwise', () => {
    const now = new Date(2026, 4, 17, 15, 30).getTime();
    expect(formatTime(new Date(2026, 4, 17, 9, 5).getTime(), now)).toBe('09:05');
    expect(formatTime(new Date(2026, 4, 16, 23, 59).getTime(), now)).toBe('2026-05-16 23:59');
  });

  it('marks delivery and counts wrapped rows', () => {
    expect(['sending', 'sent', 'seen'].map((s) => statusMark(s as 'sent'))).toEqual(['[sending]', '[sent]', '[seen]']);
    expect(statusMark('failed', { message: 'No account has this username.' })).toContain('not sent');
    expect(rowsFor('x'.repeat(81), 80)).toBe(2);
    expect(rowsFor('a\nb', 80)).toBe(2);
  });
});

describe('day separators', () => {
  it('names the day: Today, Yesterday, else weekday and date', () => {
    const now = new Date(2026, 4, 17, 9, 0).getTime();
    expect(dayLabel(new Date(2026, 4, 17, 0, 1).getTime(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 4, 16, 23, 59).getTime(), now)).toBe('Yesterday');
    expect(dayLabel(new Date(2026, 4, 12, 12, 0).getTime(), now)).toBe('Tuesday 2026-05-12');
  });
});
