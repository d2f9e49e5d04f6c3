// The name a terminal gives its device in the list of signed-in devices.
import { describe, expect, it } from 'vitest';
import { deviceName } from './device-name.js';

describe('deviceName', () => {
  it('names the terminal user@host, cleaned and cut to a length the device list can show', () => {
    expect(deviceName('alice', 'laptop.corp.example.org')).toBe('alice@laptop');
    expect(deviceName('al ice\u001b[31m', 'box\u202e1')).toBe('alice31m@box1');
    expect(deviceName('a'.repeat(40), 'h'.repeat(40))).toBe(`${'a'.repeat(16)}@${'h'.repeat(24)}`);
    expect(deviceName(undefined, 'box')).toBe('box');
    expect(deviceName('', '')).toBe('terminal');
  });
});
