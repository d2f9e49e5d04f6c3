// What the user types after `parley connect` turned into the address to dial, or a sentence saying why not.
import { describe, expect, it } from 'vitest';
import { TargetError, parseTarget } from './target.js';

describe('parseTarget', () => {
  it('takes HOST [PORT] with 50000 by default, or a URL', () => {
    expect(parseTarget('192.168.1.23')).toMatchObject({ url: 'ws://192.168.1.23:50000/ws', label: '192.168.1.23:50000' });
    expect(parseTarget('chat.lan', '4000').url).toBe('ws://chat.lan:4000/ws');
    expect(parseTarget('::1', '4000').url).toBe('ws://[::1]:4000/ws');
    expect(parseTarget('wss://chat.example.org').url).toBe('wss://chat.example.org/ws');
    expect(parseTarget('http://10.0.0.2:50000/').url).toBe('ws://10.0.0.2:50000/ws');
    expect(parseTarget('ws://10.0.0.2:50000/ws').slug).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it('refuses what is not an address, in a sentence', () => {
    expect(() => parseTarget('host', '70000')).toThrow(TargetError);
    expect(() => parseTarget('host', 'abc')).toThrow(/not a port/);
    expect(() => parseTarget('a b')).toThrow(TargetError);
    expect(() => parseTarget('ws://x', '1')).toThrow(/either a URL/);
  });
});
