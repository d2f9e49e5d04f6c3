// Accounts and sessions over a real WebSocket: register, login, logout, resume, several devices.
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { RequestFailed, TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: TestClient[] = [];
const track = <T extends TestClient>(c: T): T => (clients.push(c), c);

beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

const failure = async (promise: Promise<unknown>): Promise<RequestFailed> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RequestFailed);
  return error as RequestFailed;
};

describe('register', () => {
  test('returns a session token of at least 128 bits and logs the connection in', async () => {
    const c = track(await TestClient.connect(server.url));
    const session = await c.request('register', { type: 'register', username: 'alice', password: 'correct horse' });
    expect(session.username).toBe('alice');
    expect(Buffer.from(session.token, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(await c.request('online', { type: 'online' })).toEqual({ users: ['alice'], total: 1 });
  });

  test('usernames are case sensitive: Alice and alice are two accounts', async () => {
    const a = track(await userClient(server.url, 'Alice', 'password-one'));
    const b = track(await userClient(server.url, 'alice', 'password-two'));
    await a.request('send', { type: 'send', to: 'alice', clientMsgId: 'x1', body: 'hi' });
    const got = await b.event('message');
    expect(got.message.from).toBe('Alice');
    const c = track(await TestClient.connect(server.url));
    expect((await failure(c.request('login', { type: 'login', username: 'ALICE', password: 'password-one' }))).code).toBe('AUTH_FAILED');
  });

  test('a taken username, a bad username and a short password are refused plainly', async () => {
    track(await userClient(server.url, 'bob'));
    const c = track(await TestClient.connect(server.url));
    const taken = await failure(c.request('register', { type: 'register', username: 'bob', password: 'long enough' }));
    expect(taken.code).toBe('USERNAME_TAKEN');
    expect(taken.message).toMatch(/taken/);
    const bad = await failure(c.request('register', { type: 'register', username: 'no spaces!', password: 'long enough' }));
    expect(bad.code).toBe('INVALID_USERNAME');
    const tooLong = await failure(c.request('register', { type: 'register', username: 'x'.repeat(33), password: 'long enough' }));
    expect(tooLong.code).toBe('INVALID_USERNAME');
    const weak = await failure(c.request('register', { type: 'register', username: 'carol', password: 'short' }));
    expect(weak.code).toBe('WEAK_PASSWORD');
    expect(weak.message).toMatch(/at least 8/);
  });
});

describe('login', () => {
  test('a wrong password and an unknown user get the same answer', async () => {
    track(await userClient(server.url, 'dave', 'the right password'));
    const c = track(await TestClient.connect(server.url));
    const wrong = await failure(c.request('login', { type: 'login', username: 'dave', password: 'the wrong password' }));
    const unknown = await failure(c.request('login', { type: 'login', username: 'nobody', password: 'the wrong password' }));
    expect(wrong.reply).toEqual({ ...unknown.reply, id: wrong.reply.id });
    expect(wrong.code).toBe('AUTH_FAILED');
    // The connection carries on after failures.
    const ok = await c.request('login', { type: 'login', username: 'dave', password: 'the right password' });
    expect(ok.username).toBe('dave');
  });

  test('a second login on the same connection is refused', async () => {
    const c = track(await userClient(server.url, 'erin'));
    const again = await failure(c.request('login', { type: 'login', username: 'erin', password: 'correct horse battery' }));
    expect(again.code).toBe('ALREADY_AUTHENTICATED');
  });

  test('a user may be logged in from several devices at once', async () => {
    const phone = track(await userClient(server.url, 'frank'));
    const laptop = track(await userClient(server.url, 'frank'));
    expect(phone.token).not.toBe(laptop.token);
    const sender = track(await userClient(server.url, 'gina'));
    await sender.request('send', { type: 'send', to: 'frank', clientMsgId: 'g1', body: 'to both devices' });
    await phone.event('message');
    await laptop.event('message');
  });
});

describe('sessions', () => {
  test('a token resumes the session on a new connection', async () => {
    const first = track(await userClient(server.url, 'hana'));
    first.close();
    const again = track(await TestClient.connect(server.url));
    const resumed = await again.request('resume', { type: 'resume', token: first.token });
    expect(resumed.username).toBe('hana');
    expect((await again.request('online', { type: 'online' })).users).toContain('hana');
  });

  test('survives a server restart on the same data folder', async () => {
    const first = track(await userClient(server.url, 'ivan'));
    await server.close();
    server = await startServer({ dataDir: server.dataDir });
    const again = track(await TestClient.connect(server.url));
    expect((await again.request('resume', { type: 'resume', token: first.token })).username).toBe('ivan');
  });

  test('logout ends the session: the token no longer resumes and the connection is logged out', async () => {
    const c = track(await userClient(server.url, 'judy'));
    await c.request('logout', { type: 'logout' });
    expect((await failure(c.request('online', { type: 'online' }))).code).toBe('NOT_AUTHENTICATED');
    const other = track(await TestClient.connect(server.url));
    const ended = await failure(other.request('resume', { type: 'resume', token: c.token }));
    expect(ended.code).toBe('SESSION_INVALID');
    expect((await failure(other.request('resume', { type: 'resume', token: 'made-up' }))).code).toBe('SESSION_INVALID');
  });

  test('bye closes the connection normally and keeps the session', async () => {
    const c = track(await userClient(server.url, 'kim'));
    await c.request('bye', { type: 'bye' });
    expect(await c.waitClosed()).toBe(1000);
    const again = track(await TestClient.connect(server.url));
    expect((await again.request('resume', { type: 'resume', token: c.token })).username).toBe('kim');
  });
});
