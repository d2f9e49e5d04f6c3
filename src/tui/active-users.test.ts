// The menu's line of who is online: everyone when they fit, you first, and how many more.
import { describe, expect, it } from 'vitest';
import { onlineSummary } from './active-users.js';

describe('onlineSummary', () => {
  it('lists everyone when they fit, you marked', () => {
    expect(onlineSummary(['alice', 'bob'], 2, 'alice', 80)).toBe('Online now (2): alice (you), bob');
  });

  it('puts you first when you are not on the page, and says how many more to type a name for', () => {
    const line = onlineSummary(['aaron', 'abby', 'adam', 'ada'], 2_000, 'zoe', 70);
    expect(line).toBe('Online now (2000): zoe (you), aaron, abby and 1997 more — type a name');
    expect(line.length).toBeLessThanOrEqual(70);
  });

  it('says nobody before the first answer when signed out', () => {
    expect(onlineSummary([], 0, '', 80)).toBe('Online now (0): nobody');
  });
});
