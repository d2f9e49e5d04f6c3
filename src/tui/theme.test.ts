// Colours: NO_COLOR turns them off, and a name keeps its colour from one run to the next.
import { describe, expect, it } from 'vitest';
import { colorEnabled, nameHash } from './theme.js';

describe('colours', () => {
  it('honours NO_COLOR', () => {
    expect(colorEnabled({})).toBe(true);
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false);
  });

  it('gives a name the same colour on every run', () => {
    expect(nameHash('alice')).toBe(nameHash('alice'));
    expect(nameHash('alice')).not.toBe(nameHash('bob'));
  });
});
