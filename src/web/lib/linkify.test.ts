// Link detection in message text: what becomes an anchor, and what never does.
import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.js';

describe('linkify', () => {
  it('keeps plain text as one text part', () => {
    expect(linkify('hello <b>there</b>')).toEqual([{ kind: 'text', text: 'hello <b>there</b>' }]);
  });

  it('finds http and https links and leaves trailing punctuation outside', () => {
    expect(linkify('see https://example.org/a?b=1. and http://x.io, ok')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { kind: 'text', text: '. and ' },
      { kind: 'link', text: 'http://x.io', href: 'http://x.io' },
      { kind: 'text', text: ', ok' },
    ]);
  });

  it('gives bare www. hosts an https href', () => {
    expect(linkify('www.example.org')).toEqual([{ kind: 'link', text: 'www.example.org', href: 'https://www.example.org' }]);
  });

  it('never links javascript: or data: URLs', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>x</script>', 'JaVaScRiPt:alert(1)']) {
      expect(linkify(text).every((p) => p.kind === 'text')).toBe(true);
    }
  });

  it('keeps a link inside parentheses without the closing one', () => {
    expect(linkify('(https://example.org/x)')[1]).toEqual({ kind: 'link', text: 'https://example.org/x', href: 'https://example.org/x' });
  });
});
