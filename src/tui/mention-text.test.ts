// Mentions: `@name` as a whole word, marked for the chat; not inside longer names or addresses.
import { describe, expect, it } from 'vitest';
import { mentionSegments, mentionsMe } from './mention-text.js';

describe('mentions', () => {
  it('cuts the text around each @name', () => {
    expect(mentionSegments('hi @bob, and @bob.', 'bob')).toEqual([
      { text: 'hi ', mention: false },
      { text: '@bob', mention: true },
      { text: ', and ', mention: false },
      { text: '@bob', mention: true },
      { text: '.', mention: false },
    ]);
    expect(mentionSegments('@bob', 'bob')).toEqual([{ text: '@bob', mention: true }]);
  });

  it('is a whole word and case sensitive', () => {
    for (const text of ['@bobby', 'x@bob', '@Bob', '@bob.smith', '@bob-2', 'bob', 'email bob@example.org']) {
      expect(mentionsMe(text, 'bob'), text).toBe(false);
    }
    expect(mentionsMe('(@bob)', 'bob')).toBe(true);
    // The marks agree with the SDK's rule occurrence by occurrence.
    expect(mentionSegments('@bobby @bob @bob.x @bob-', 'bob').filter((s) => s.mention)).toHaveLength(2);
    expect(mentionSegments('@b@b', 'b').filter((s) => s.mention)).toHaveLength(1);
    expect(mentionsMe('ping @b.o-b!', 'b.o-b')).toBe(true);
    expect(mentionsMe('anything', '')).toBe(false);
  });
});
