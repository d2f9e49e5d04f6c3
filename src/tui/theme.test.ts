// Colours: NO_COLOR turns them off, and a name keeps its colour from one run to the next.
import { describe, expect, it } from 'vitest';
import { NAME_COLORS, colorEnabled, nameColor, nameHash } from './theme.js';

describe('colours', () => {
  it('honours NO_COLOR', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
    expect(nameColor('alice', false)).toEqual({});
  });

  it('gives a name the same colour on every run, from the palette', () => {
    expect(nameHash('alice')).toBe(nameHash('alice'));
    expect(nameHash('alice')).not.toBe(nameHash('bob'));
    // Frozen: a name's colour must not change between versions (users learn them).
    expect(nameHash('alice')).toBe(0x872213e7);
    expect(nameColor('alice', true)).toEqual(nameColor('alice', true));
    expect(NAME_COLORS.map((n) => `ansi256(${n})`)).toContain(nameColor('carol', true).color);
  });

  it('spreads names over the palette', () => {
    const used = new Set(['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar'].map((n) => nameColor(n, true).color));
    expect(used.size).toBeGreaterThanOrEqual(5);
  });

  it('uses mid-tones of the 256-colour cube: readable on dark and light, never pure red', () => {
    const cube = [0, 95, 135, 175, 215, 255];
    for (const index of NAME_COLORS) {
      expect(index).toBeGreaterThanOrEqual(16);
      expect(index).toBeLessThan(232);
      const [r, g, b] = [Math.floor((index - 16) / 36), Math.floor((index - 16) / 6) % 6, (index - 16) % 6].map((level) => cube[level]!) as [number, number, number];
      const hex = `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
      // Relative luminance (sRGB, WCAG): contrast at least 3:1 against both black and white.
      const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      const l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
      expect((l + 0.05) / 0.05, `${hex} on black`).toBeGreaterThanOrEqual(3);
      expect(1.05 / (l + 0.05), `${hex} on white`).toBeGreaterThanOrEqual(2.5);
      expect(r > 0 && g === 0 && b === 0).toBe(false);
    }
  });
});
