// Client addresses: X-Forwarded-For only when trusted, IPv4-mapped addresses unwrapped, IPv6 counted by /64.
import type { IncomingMessage } from 'node:http';
import { expect, test } from 'vitest';
import { addressKey, clientAddress } from './address.js';

const request = (remoteAddress: string, forwarded?: string) =>
  ({ socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

test('X-Forwarded-For is ignored unless the proxy is trusted', () => {
  expect(clientAddress(request('10.0.0.2', '203.0.113.9'), false)).toBe('10.0.0.2');
  expect(clientAddress(request('10.0.0.2', '203.0.113.9'), true)).toBe('203.0.113.9');
});

test('a trusted proxy: the last address counts (a client can only prepend), junk falls back to the socket', () => {
  expect(clientAddress(request('10.0.0.2', '1.1.1.1, 203.0.113.9'), true)).toBe('203.0.113.9');
  expect(clientAddress(request('10.0.0.2', 'not-an-address'), true)).toBe('10.0.0.2');
  expect(clientAddress(request('10.0.0.2'), true)).toBe('10.0.0.2');
});

test('IPv4-mapped IPv6 addresses are unwrapped', () => {
  expect(clientAddress(request('::ffff:192.0.2.7'), false)).toBe('192.0.2.7');
});

test('limits count IPv4 by address and IPv6 by /64', () => {
  expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
  expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
  expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressKey('::1')).toBe('0:0:0:0::/64');
  expect(addressKey(null)).toBe('unknown');
});
