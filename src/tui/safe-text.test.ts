// The terminal client's filter for text it did not write: nothing that moves the cursor or talks to the terminal survives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_CONTROL, cleanText } from './safe-text.js';

describe('cleanText', () => {
  it('removes whole escape sequences, control characters and bidi overrides; keeps line breaks', () => {
    expect(cleanText('a\rb')).toBe('ab');
    expect(cleanText('\u001b]0;PWNED\u0007four \u001b]52;c;cHduZWQ=\u001b\\five')).toBe('four five');
    expect(cleanText('six \u001b[31mred\u001b[0m \u009b32mgreen \u202eevil\u202c \u2066x\u2069')).toBe('six red green evil x');
    expect(cleanText('one\ntwo\u2028three\tfour')).toBe('one\ntwo\nthree    four');
    expect(cleanText('del\u007f nul\u0000 bell\u0007 c1\u0085')).toBe('del nul bell c1');
    expect(cleanText('héllo 👋 مرحبا')).toBe('héllo 👋 مرحبا');
  });

  it('leaves no control character but line feed in any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0, max: 0x2100 }).map((c) => String.fromCharCode(c)) }), (text) => {
        const out = cleanText(text);
        expect(out.replace(/\n/g, '')).not.toMatch(ANY_CONTROL);
        expect(out).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      }),
      { numRuns: 500 },
    );
  });
});
