// The WebSocket upgrade's verdict: cross-site pages are refused before a socket exists; a valid cookie logs the connection in.
import { expect, test } from 'vitest';
import { harnessPerTest } from '../../../test/helpers/handler-harness.js';
import { fakeRequest } from '../../../test/helpers/http-exchange.js';
import { SESSION_COOKIE } from './cookies.js';
import { authorizeUpgrade } from './upgrade.js';

const harness = harnessPerTest({ sessionIdleDays: 1 });

const upgrade = (headers: Record<string, string>) =>
  fakeRequest({ url: '/ws', remoteAddress: '198.51.100.30', headers: { host: 'localhost:50000', ...headers } });

test('a valid session cookie logs the connection in and records when and where it was used', async () => {
  const h = harness();
  const alice = await h.account('alice');
  h.clock.now += 1_000;
  const verdict = await authorizeUpgrade(upgrade({ cookie: `${SESSION_COOKIE}=${alice.token}`, origin: 'http://localhost:50000' }), h.services);
  expect(verdict).toEqual({ ok: true, session: alice.session });
  expect(await h.store.listSessions(alice.id)).toEqual([expect.objectContaining({ lastSeenAt: h.clock.now, address: '198.51.100.30' })]);
});

test('no cookie, an unknown or an idle session: allowed, logged out', async () => {
  const h = harness();
  const alice = await h.account('alice');
  expect(await authorizeUpgrade(upgrade({}), h.services)).toEqual({ ok: true, session: null });
  expect(await authorizeUpgrade(upgrade({ cookie: `${SESSION_COOKIE}=unknown` }), h.services)).toEqual({ ok: true, session: null });
  expect(await authorizeUpgrade(upgrade({ cookie: `${SESSION_COOKIE}=${'x'.repeat(300)}` }), h.services)).toEqual({ ok: true, session: null });
  h.clock.now += 2 * 24 * 60 * 60 * 1000;
  expect(await authorizeUpgrade(upgrade({ cookie: `${SESSION_COOKIE}=${alice.token}` }), h.services)).toEqual({ ok: true, session: null });
});

test('a page from another origin is refused with 403 even with a valid cookie, and the session is not touched', async () => {
  const h = harness();
  const alice = await h.account('alice');
  const before = await h.rows();
  const verdict = await authorizeUpgrade(upgrade({ cookie: `${SESSION_COOKIE}=${alice.token}`, origin: 'https://evil.example' }), h.services);
  expect(verdict).toEqual({ ok: false, status: 403, reason: 'origin not allowed' });
  expect(await h.rows()).toEqual(before);
});
