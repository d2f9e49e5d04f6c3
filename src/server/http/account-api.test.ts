// POST /api/register, /api/login, /api/prelogin, /api/logout: the account handlers over HTTP, answered with an HttpOnly cookie.
import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { AUTH_KEY, harnessPerTest, type HandlerHarness, newKeys } from '../../../test/helpers/handler-harness.js';
import { fakeRequest, postJson, serve } from '../../../test/helpers/http-exchange.js';
import { KDF_DEFAULT } from '../../shared/crypto/index.js';
import { DEFAULT_RATE_LIMITS } from '../limits/rate-limits.js';
import { accountApi } from './account-api.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';

const harness = harnessPerTest();

/** The API of a harness, and the sessions it asked the server to close. */
function api(h: HandlerHarness) {
  const ended: number[] = [];
  const route = accountApi({ services: h.services, endSession: (id) => ended.push(id) });
  return { ended, call: (req: IncomingMessage) => serve(route, req) };
}

const tokenOf = (setCookie: string | undefined) => readCookie(setCookie?.split(';')[0], SESSION_COOKIE);

test('register: the account is made and the browser gets its session as an HttpOnly cookie, not in the body', async () => {
  const h = harness();
  const { keys } = newKeys('alice');
  const res = await api(h).call(postJson('/api/register', { username: 'alice', password: AUTH_KEY, ...keys }));
  expect(res?.statusCode).toBe(200);
  expect(res?.json()).toEqual({ username: 'alice', sessionId: expect.any(Number) });
  expect(res?.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-type': 'application/json; charset=utf-8' });
  expect(res?.headers['set-cookie']).toMatch(/HttpOnly; SameSite=Strict$/);
  const session = await h.sessionOfToken(tokenOf(res?.headers['set-cookie'])!);
  expect(session?.username).toBe('alice');
});

test('login: the right password sets the cookie; a wrong one is 401 AUTH_FAILED and sets none', async () => {
  const h = harness();
  await h.account('alice');
  const { call } = api(h);
  const ok = await call(postJson('/api/login', { username: 'alice', password: AUTH_KEY, device: 'browser' }));
  expect(ok?.statusCode).toBe(200);
  expect((await h.sessionOfToken(tokenOf(ok?.headers['set-cookie'])!))?.device).toBe('browser');
  const wrong = await call(postJson('/api/login', { username: 'alice', password: 'not the auth key' }));
  expect(wrong?.statusCode).toBe(401);
  expect(wrong?.json()).toEqual({ error: { code: 'AUTH_FAILED', message: expect.any(String) } });
  expect(wrong?.headers['set-cookie']).toBeUndefined();
});

test('prelogin: the salt and parameters to derive with', async () => {
  const h = harness();
  const res = await api(h).call(postJson('/api/prelogin', { username: 'nobody' }));
  expect(res?.json()).toEqual({ salt: expect.any(String), kdf: { ...KDF_DEFAULT }, realm: expect.any(String) });
});

test('logout: the cookie’s session ends, its sockets are closed, and the cookie is cleared', async () => {
  const h = harness();
  const alice = await h.account('alice');
  const { call, ended } = api(h);
  const res = await call(postJson('/api/logout', {}, { cookie: `${SESSION_COOKIE}=${alice.token}` }));
  expect(res?.statusCode).toBe(200);
  expect(res?.headers['set-cookie']).toContain('Max-Age=0');
  expect(await h.sessionOfToken(alice.token)).toBeUndefined();
  expect(ended).toEqual([alice.session.sessionId]);
  // Without a (valid) cookie there is nothing to end, and the answer is the same.
  const again = await call(postJson('/api/logout', {}, { cookie: `${SESSION_COOKIE}=${alice.token}` }));
  expect(again?.statusCode).toBe(200);
  expect(ended).toHaveLength(1);
});

test('refusals before any handler runs: 405 for GET, 403 for another site, 415 for a form, 400 for a body that is no object', async () => {
  const h = harness();
  const { call } = api(h);
  const before = await h.rows();
  const get = await call(fakeRequest({ url: '/api/login' }));
  expect([get?.statusCode, get?.headers.allow]).toEqual([405, 'POST']);
  const crossSite = await call(postJson('/api/register', { username: 'alice', password: AUTH_KEY }, { origin: 'https://evil.example' }));
  expect(crossSite?.statusCode).toBe(403);
  expect(crossSite?.json()).toEqual({ error: { code: 'FORBIDDEN_ORIGIN', message: expect.any(String) } });
  const form = await call(fakeRequest({ method: 'POST', url: '/api/login', headers: { 'content-type': 'text/plain' }, body: '{}' }));
  expect(form?.statusCode).toBe(415);
  expect((await call(postJson('/api/login', ['alice'])))?.statusCode).toBe(400);
  expect(await h.rows()).toEqual(before);
});

test('the handlers’ refusals keep their codes: INVALID_USERNAME and E2E_REQUIRED, with nothing written', async () => {
  const h = harness();
  const { call } = api(h);
  const before = await h.rows();
  const badName = await call(postJson('/api/register', { username: 'no spaces', password: AUTH_KEY }));
  expect([badName?.statusCode, (badName?.json() as { error: { code: string } }).error.code]).toEqual([400, 'INVALID_USERNAME']);
  const plain = await call(postJson('/api/register', { username: 'alice', password: 'long enough password' }));
  expect([plain?.statusCode, (plain?.json() as { error: { code: string } }).error.code]).toEqual([403, 'E2E_REQUIRED']);
  const unknownField = await call(postJson('/api/login', { username: 'alice', password: AUTH_KEY, admin: true }));
  expect(unknownField?.statusCode).toBe(400);
  expect(await h.rows()).toEqual(before);
});

test('a failure that is not a refusal is 500 INTERNAL, logged without the request', async () => {
  const h = harness();
  await h.store.close();
  const res = await api(h).call(postJson('/api/prelogin', { username: 'alice' }));
  expect(res?.statusCode).toBe(500);
  expect(res?.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
  expect(h.logs.some((line) => line.includes('account request failed'))).toBe(true);
});

test('other paths are passed on', async () => {
  const h = harness();
  expect(await api(h).call(postJson('/api/other', {}))).toBeNull();
});

describe('with one failed login allowed per account', () => {
  const limited = harnessPerTest({ rateLimits: { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 1 } });

  test('the next login is 429 with a Retry-After in seconds', async () => {
    const h = limited();
    await h.account('alice');
    const { call } = api(h);
    await call(postJson('/api/login', { username: 'alice', password: 'not the auth key' }));
    const res = await call(postJson('/api/login', { username: 'alice', password: AUTH_KEY }));
    expect(res?.statusCode).toBe(429);
    expect(Number(res?.headers['retry-after'])).toBeGreaterThan(0);
    expect(res?.json()).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
  });
});
