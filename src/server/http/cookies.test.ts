// The session cookie: read leniently, written HttpOnly, SameSite=Strict, and Secure whenever the browser used TLS.
import { expect, test } from 'vitest';
import { fakeRequest } from '../../../test/helpers/http-exchange.js';
import { clearedSessionCookie, isSecure, readCookie, SESSION_COOKIE, SESSION_COOKIE_MAX_AGE_S, sessionCookie } from './cookies.js';

test('one cookie is read by exact name and decoded; malformed pairs and encodings give nothing, never a throw', () => {
  const header = `theme=dark; x${SESSION_COOKIE}=no; broken; ${SESSION_COOKIE}=a%2Bb ; other=1`;
  expect(readCookie(header, SESSION_COOKIE)).toBe('a+b');
  expect(readCookie(header, 'theme')).toBe('dark');
  expect(readCookie(header, 'missing')).toBeUndefined();
  expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
  expect(readCookie(`${SESSION_COOKIE}=%E0%A4%A`, SESSION_COOKIE)).toBeUndefined();
});

test('the session cookie is HttpOnly and SameSite=Strict for the whole site; Secure over TLS; cleared with Max-Age=0', () => {
  expect(sessionCookie('tok/en', false)).toBe(`${SESSION_COOKIE}=tok%2Fen; Path=/; Max-Age=${SESSION_COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Strict`);
  expect(sessionCookie('token', true)).toMatch(/; Secure$/);
  expect(clearedSessionCookie(true)).toBe(`${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure`);
});

test('TLS is the socket’s, or a trusted proxy’s X-Forwarded-Proto; an untrusted header is ignored', () => {
  expect(isSecure(fakeRequest({ tls: true }))).toBe(true);
  const proxied = fakeRequest({ headers: { 'x-forwarded-proto': 'https' } });
  expect(isSecure(proxied, true)).toBe(true);
  expect(isSecure(proxied, false)).toBe(false);
  expect(isSecure(fakeRequest({ headers: { 'x-forwarded-proto': 'http' } }), true)).toBe(false);
});
