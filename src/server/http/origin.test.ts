// Which browser pages may talk to the server: none but its own origin and the allow-list; clients without Origin pass.
import { expect, test } from 'vitest';
import { fakeRequest } from '../../../test/helpers/http-exchange.js';
import { normalizeOrigin, originAllowed } from './origin.js';

const from = (origin: string | undefined, host = 'chat.example.org:8443') =>
  fakeRequest({ headers: { host, ...(origin === undefined ? {} : { origin }) } });

test('origins are compared normalised; anything but http(s) or unparseable is null', () => {
  expect(normalizeOrigin('https://Chat.Example.org:443')).toBe('https://chat.example.org');
  expect(normalizeOrigin('http://localhost:50000/path?q')).toBe('http://localhost:50000');
  expect(normalizeOrigin('file:///etc/passwd')).toBeNull();
  expect(normalizeOrigin('null')).toBeNull();
  expect(normalizeOrigin('not a url')).toBeNull();
});

test('no Origin (a terminal client) and the server’s own host, under either scheme, are allowed', () => {
  expect(originAllowed(from(undefined), [])).toBe(true);
  expect(originAllowed(from('https://chat.example.org:8443'), [])).toBe(true);
  expect(originAllowed(from('http://CHAT.example.org:8443'), [])).toBe(true);
});

test('another site, another port, an opaque or malformed origin are refused unless allow-listed', () => {
  expect(originAllowed(from('https://evil.example'), [])).toBe(false);
  expect(originAllowed(from('https://chat.example.org:9000'), [])).toBe(false);
  expect(originAllowed(from('null'), [])).toBe(false);
  expect(originAllowed(from('https://evil.example'), ['https://proxy.example', 'https://EVIL.example:443'])).toBe(true);
});
