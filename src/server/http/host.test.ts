// The Host allow-list against DNS rebinding: IP addresses and the server's known names pass, other names get 421.
import os from 'node:os';
import { expect, test } from 'vitest';
import { fakeRequest, RecordedResponse } from '../../../test/helpers/http-exchange.js';
import { defaultConfig } from '../config.js';
import { hostAllowList, hostName, MISDIRECTED_TEXT, misdirected } from './host.js';

test('the name of a Host header: lower case, without port, brackets or trailing dot; null when malformed', () => {
  expect(hostName('Chat.Example.ORG.:8443')).toBe('chat.example.org');
  expect(hostName('[::1]:50000')).toBe('::1');
  expect(hostName('192.0.2.7')).toBe('192.0.2.7');
  expect(hostName('evil.example/path')).toBeNull();
  expect(hostName('a b')).toBeNull();
  expect(hostName('host:123456')).toBeNull();
});

test('any IP address, localhost and this machine’s name pass; an unknown name or a malformed header does not', () => {
  const allowed = hostAllowList(defaultConfig());
  for (const header of ['127.0.0.1:50000', '10.1.2.3', '[::1]:50000', '[2001:db8::7]', 'localhost:50000', 'LOCALHOST.', os.hostname()]) {
    expect(allowed(header), header).toBe(true);
  }
  for (const header of ['evil.example', 'evil.example:50000', 'localhost.evil.example', 'not a host']) {
    expect(allowed(header), header).toBe(false);
  }
  // No Host at all comes from no browser.
  expect(allowed(undefined)).toBe(true);
});

test('the names of --public-url, --allowed-origin and a named --host are known too', () => {
  const allowed = hostAllowList(defaultConfig({ host: 'Parley.lan', publicUrl: 'https://chat.example.org', allowedOrigins: ['https://proxy.example:8443'] }));
  expect(['chat.example.org', 'chat.example.org:443', 'proxy.example:1', 'parley.lan:50000'].map(allowed)).toEqual([true, true, true, true]);
  expect(allowed('example.org')).toBe(false);
});

test('a misdirected request gets 421 and a sentence, nothing of the app', async () => {
  const res = new RecordedResponse(fakeRequest());
  misdirected(res.asServerResponse());
  await res.finished;
  expect(res.statusCode).toBe(421);
  expect(res.text).toBe(MISDIRECTED_TEXT);
  expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
});
