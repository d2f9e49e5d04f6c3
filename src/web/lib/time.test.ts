// Day and list labels: calendar days in local time, not 24-hour spans.
import { describe, expect, it } from 'vitest';
import { daysAgo, formatDay, formatListTime, sameDay } from './time.js';

const at = (y: number, m: number, d: number, h = 12, min = 0) => new Date(y, m - 1, d, h, min).getTime();

describe('time labels', () => {
  const now = at(2025, 3, 14, 9, 30);

  it('counts calendar days, so late last night is yesterday', () => {
    expect(daysAgo(at(2025, 3, 13, 23, 59), now)).toBe(1);
    expect(daysAgo(at(2025, 3, 14, 0, 1), now)).toBe(0);
    expect(sameDay(at(2025, 3, 14, 0, 1), now)).toBe(true);
  });

  it('names separators Today, Yesterday, a weekday, then a date', () => {
    expect(formatDay(at(2025, 3, 14, 8), now)).toBe('Today');
    expect(formatDay(at(2025, 3, 13, 8), now)).toBe('Yesterday');
    expect(formatDay(at(2025, 3, 10), now)).toMatch(/Monday/);
    expect(formatDay(at(2024, 12, 1), now)).toMatch(/2024/);
  });

  it('shows a clock for today and Yesterday in the list', () => {
    expect(formatListTime(at(2025, 3, 14, 8, 5), now)).toMatch(/8.05/);
    expect(formatListTime(at(2025, 3, 13), now)).toBe('Yesterday');
  });
});
