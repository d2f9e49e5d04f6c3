// Accounts and sessions: list your devices, revoke one, sign out everywhere, change the password.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { sessionForToken } from '../../src/server/http/account-api.js';
import { DEFAULT_RATE_LIMITS } from '../../src/server/limits/rate-limits.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const PASSWORD = 'correct horse battery';
let server: TestServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
});

async function device(username: string, name: string, password = PASSWORD): Promise<TestClient & { token: string; sessionId: number }> {
  const client = await TestClient.connect(server!.url);
  clients.push(client);
  const info = await client
    .request('register', { type: 'register', username, password, device: name })
    .catch(() => client.request('login', { type: 'login', username, password, device: name }));
  return Object.assign(client, { token: info.token, sessionId: info.sessionId });
}

async function resumeFails(token: string): Promise<string> {
  const client = await TestClient.connect(server!.url);
  clients.push(client);
  return client.request('resume', { type: 'resume', token }).then(
    () => 'resumed',
    (error: { code: string }) => error.code,
  );
}

test('the session list shows every device with its address, last seen, current and connected', async () => {
  server = await startServer();
  const laptop = await device('alice', 'laptop');
  const phone = await device('alice', 'phone');
  const tablet = await device('alice', 'tablet');
  tablet.close();
  await tablet.waitClosed();
  await device('bob', 'bob-laptop');

  const { sessions } = await laptop.request('sessions', { type: 'sessions' });
  expect(sessions).toHaveLength(3);
  const byDevice = Object.fromEntries(sessions.map((s) => [s.device, s]));
  expect(byDevice.laptop).toMatchObject({ sessionId: laptop.sessionId, current: true, connected: true, address: '127.0.0.1' });
  expect(byDevice.phone).toMatchObject({ sessionId: phone.sessionId, current: false, connected: true, address: '127.0.0.1' });
  expect(byDevice.tablet).toMatchObject({ current: false });
  for (const s of sessions) {
    expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt);
    expect(s.lastSeenAt).toBeLessThanOrEqual(Date.now());
  }
  // The tablet's connection closed: it is listed as not connected once the server has seen the close.
  let tabletConnected = true;
  for (let i = 0; i < 100 && tabletConnected; i++) {
    const { sessions: now } = await laptop.request('sessions', { type: 'sessions' });
    tabletConnected = now.find((s) => s.device === 'tablet')!.connected;
    if (tabletConnected) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(tabletConnected).toBe(false);
});

test('revoking a session closes its connections with 4001 and its token stops working', async () => {
  server = await startServer();
  const laptop = await device('alice', 'laptop');
  const phone = await device('alice', 'phone');
  await laptop.request('revokeSession', { type: 'revokeSession', sessionId: phone.sessionId });
  expect(await phone.waitClosed()).toBe(4001);
  expect(await resumeFails(phone.token)).toBe('SESSION_INVALID');
  const { sessions } = await laptop.request('sessions', { type: 'sessions' });
  expect(sessions.map((s) => s.device)).toEqual(['laptop']);
  // The laptop carries on.
  await expect(laptop.request('online', { type: 'online' })).resolves.toMatchObject({ users: ['alice'] });
});

test("revoking another user's session, or one that is gone, is SESSION_NOT_FOUND", async () => {
  server = await startServer();
  const alice = await device('alice', 'laptop');
  const bob = await device('bob', 'laptop');
  await expect(alice.request('revokeSession', { type: 'revokeSession', sessionId: bob.sessionId })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  await expect(alice.request('revokeSession', { type: 'revokeSession', sessionId: 999_999 })).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  expect(await resumeFails(bob.token)).toBe('resumed');
});

test('revoking your own session logs this connection out, like logout', async () => {
  server = await startServer();
  const laptop = await device('alice', 'laptop');
  await laptop.request('revokeSession', { type: 'revokeSession', sessionId: laptop.sessionId });
  await expect(laptop.request('online', { type: 'online' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
  expect(await resumeFails(laptop.token)).toBe('SESSION_INVALID');
});

test('logout closes the other live sockets of the same session with 4001; other sessions stay', async () => {
  server = await startServer();
  const tab = await device('alice', 'browser');
  // A second tab of the same browser: the same session, its own socket.
  const otherTab = await TestClient.connect(server.url);
  clients.push(otherTab);
  await otherTab.request('resume', { type: 'resume', token: tab.token });
  const phone = await device('alice', 'phone');
  await tab.request('logout', { type: 'logout' });
  expect(await otherTab.waitClosed()).toBe(4001);
  await expect(tab.request('online', { type: 'online' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
  expect((await phone.request('online', { type: 'online' })).users).toEqual(['alice']);
  expect(phone.closeCode).toBeUndefined();
});

test('sign out everywhere ends every session: other devices get 4001, this one is logged out', async () => {
  server = await startServer();
  const laptop = await device('alice', 'laptop');
  const phone = await device('alice', 'phone');
  const tablet = await device('alice', 'tablet');
  const bob = await device('bob', 'laptop');
  // Presence goes to contacts: bob shares a conversation with alice.
  await bob.request('open', { type: 'open', with: 'alice' });
  expect(await laptop.request('logoutEverywhere', { type: 'logoutEverywhere' })).toEqual({ endedSessions: 3 });
  expect(await phone.waitClosed()).toBe(4001);
  expect(await tablet.waitClosed()).toBe(4001);
  await expect(laptop.request('online', { type: 'online' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
  for (const token of [laptop.token, phone.token, tablet.token]) expect(await resumeFails(token)).toBe('SESSION_INVALID');
  // Other users are untouched, and alice is offline for them.
  await bob.event('presence', (e) => e.username === 'alice' && !e.online);
  expect(await resumeFails(bob.token)).toBe('resumed');
});

test('changing the password re-hashes it and ends every other session; this one stays signed in', async () => {
  server = await startServer();
  const laptop = await device('alice', 'laptop');
  const phone = await device('alice', 'phone');
  const db = path.join(server.dataDir, 'parley.db');
  const hashOf = () => {
    const file = new Database(db, { readonly: true });
    try {
      return (file.prepare("SELECT password_hash FROM users WHERE username = 'alice'").get() as { password_hash: string }).password_hash;
    } finally {
      file.close();
    }
  };
  const before = hashOf();

  const newPassword = 'a much better passphrase';
  expect(await laptop.request('changePassword', { type: 'changePassword', password: PASSWORD, newPassword })).toEqual({ endedSessions: 1 });
  expect(await phone.waitClosed()).toBe(4001);
  expect(await resumeFails(phone.token)).toBe('SESSION_INVALID');
  await expect(laptop.request('online', { type: 'online' })).resolves.toMatchObject({ users: ['alice'] });
  expect(await resumeFails(laptop.token)).toBe('resumed');

  const after = hashOf();
  expect(after).not.toBe(before);
  expect(after).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  expect(after).not.toContain(newPassword);

  const old = await TestClient.connect(server.url);
  clients.push(old);
  await expect(old.request('login', { type: 'login', username: 'alice', password: PASSWORD })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  await expect(old.request('login', { type: 'login', username: 'alice', password: newPassword })).resolves.toMatchObject({ username: 'alice' });
});

test('changing the password needs the current one, a valid new one, and counts failures as failed logins', async () => {
  server = await startServer({ config: { rateLimits: { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 3 } } });
  const laptop = await device('alice', 'laptop');
  const phone = await device('alice', 'phone');
  const change = (password: string, newPassword = 'a much better passphrase') =>
    laptop.request('changePassword', { type: 'changePassword', password, newPassword }).then(
      () => 'ok',
      (error: { code: string }) => error.code,
    );
  expect(await change(PASSWORD, 'short')).toBe('WEAK_PASSWORD');
  for (let i = 0; i < 3; i++) expect(await change(`wrong ${i}`)).toBe('AUTH_FAILED');
  expect(await change(PASSWORD)).toBe('RATE_LIMITED');
  // Nothing changed: the other device is still signed in.
  await expect(phone.request('online', { type: 'online' })).resolves.toMatchObject({ users: ['alice'] });
});

test('a session unused for --session-idle-days ends: resume and the cookie are refused, and the sweep removes the rest', async () => {
  server = await startServer({ config: { sessionIdleDays: 30 } });
  const idle = await device('alice', 'old laptop');
  const busy = await device('alice', 'phone');
  const other = await device('bob', 'old tablet');
  for (const client of [idle, busy, other]) {
    client.close();
    await client.waitClosed();
  }
  const db = new Database(path.join(server.dataDir, 'parley.db'));
  const daysAgo = (days: number) => Date.now() - days * 24 * 60 * 60 * 1000;
  db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id IN (?, ?)').run(daysAgo(31), idle.sessionId, other.sessionId);
  db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(daysAgo(29), busy.sessionId);

  expect(await resumeFails(idle.token)).toBe('SESSION_INVALID');
  expect(await resumeFails(busy.token)).toBe('resumed');
  // A browser's cookie holds the same kind of token, checked by the same rule when its WebSocket connects.
  expect(await sessionForToken(other.token, server.server.services)).toBeNull();
  // Nothing of them is left: the first use deleted them (the hourly sweep does it for sessions nobody uses).
  const left = db.prepare('SELECT id FROM sessions ORDER BY id').all();
  expect(left).toEqual([{ id: busy.sessionId }]);
  db.close();
});

test('the hourly sweep ends idle sessions nobody tries to use, and 0 days keeps sessions until logout', async () => {
  server = await startServer({ config: { sessionIdleDays: 0 } });
  const keep = await device('alice', 'laptop');
  keep.close();
  await keep.waitClosed();
  const db = new Database(path.join(server.dataDir, 'parley.db'));
  db.prepare('UPDATE sessions SET last_seen_at = 0').run();
  expect(await resumeFails(keep.token)).toBe('resumed');
  // The sweep is the store's: everything last seen before the cutoff goes, nothing after it.
  const store = server.server.services.store;
  expect(await store.deleteIdleSessions(1)).toBe(0); // just resumed: last seen now
  db.prepare('UPDATE sessions SET last_seen_at = 0').run();
  expect(await store.deleteIdleSessions(1)).toBe(1);
  db.close();
});

test('with the disk full, a reconnecting client still resumes and reads: recording its last use is best effort', async () => {
  server = await startServer();
  const phone = await device('alice', 'phone');
  await phone.request('send', { type: 'send', to: 'alice', clientMsgId: 'before-full', body: 'note to self' });
  const db = (server.server.services.store as unknown as { db: Database.Database }).db;
  // What SQLite answers when a write finds no space, for every update of a session (the write resume makes).
  db.exec("CREATE TRIGGER disk_full BEFORE UPDATE ON sessions BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END");
  const again = await TestClient.connect(server.url);
  clients.push(again);
  await expect(again.request('resume', { type: 'resume', token: phone.token })).resolves.toMatchObject({ username: 'alice' });
  const { messages } = await again.request('sync', { type: 'sync', after: 0 });
  expect(messages.map((m) => m.body)).toEqual(['note to self']);
  expect(server.logs.some((line) => /could not record when the session was last used/.test(line))).toBe(true);
  db.exec('DROP TRIGGER disk_full');
});
