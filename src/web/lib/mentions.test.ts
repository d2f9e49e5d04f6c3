// Mentions in group messages: which `@name` is highlighted, and the autocomplete's word at the caret.
import { describe, expect, it } from 'vitest';
import { completeMention, mentionAtCaret, mentionCandidates, splitMentions } from './mentions.js';

const members = new Set(['alice', 'bob', 'carol.d', 'dan-']);

describe('splitMentions', () => {
  it('marks members only, and knows which one is me', () => {
    expect(splitMentions('hi @bob and @alice, not @zed', members, 'alice')).toEqual([
      { kind: 'text', text: 'hi ' },
      { kind: 'mention', text: '@bob', username: 'bob', me: false },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@alice', username: 'alice', me: true },
      { kind: 'text', text: ', not @zed' },
    ]);
  });

  it('leaves a sentence-ending dot outside, but keeps dots that are part of a name', () => {
    expect(splitMentions('ask @bob.', members, 'x').map((p) => p.text)).toEqual(['ask ', '@bob', '.']);
    expect(splitMentions('@carol.d.', members, 'x').map((p) => p.text)).toEqual(['@carol.d', '.']);
    expect(splitMentions('@dan-', members, 'x')[0]).toMatchObject({ kind: 'mention', username: 'dan-' });
  });

  it('is case sensitive and wants a whole word, as usernames are', () => {
    expect(splitMentions('@Bob mail@bob @bobby', members, 'x').every((p) => p.kind === 'text')).toBe(true);
  });
});

describe('mention autocomplete', () => {
  it('finds the @word being typed at the caret', () => {
    expect(mentionAtCaret('hello @ca', 9)).toEqual({ start: 6, query: 'ca' });
    expect(mentionAtCaret('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionAtCaret('mail@ca', 7)).toBeNull();
    expect(mentionAtCaret('hello @ca there', 15)).toBeNull();
  });

  it('offers members by prefix first, never me', () => {
    expect(mentionCandidates(['alice', 'bob', 'carol.d', 'abby'], 'b', 'alice')).toEqual(['bob', 'abby']);
    expect(mentionCandidates(['alice', 'bob'], '', 'alice')).toEqual(['bob']);
  });

  it('completes the word to the name and a space', () => {
    expect(completeMention('hi @ca how', 3, 6, 'carol.d')).toEqual({ text: 'hi @carol.d how', caret: 12 });
    expect(completeMention('@b', 0, 2, 'bob')).toEqual({ text: '@bob ', caret: 5 });
  });
});
