// The password KDF against a real server and a lying one: realm pinning, the v2 floor, v1 → v2 upgrade on login, no downgrade.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { memoryStorage, ParleyClient, STORAGE_KEYS } from '../../src/shared/client/index.js';
import { deriveKeys, KDF_DEFAULT, KDF_V1, newSalt, toBase64url } from '../../src/shared/crypto/index.js';
import { TestClient } from '../helpers/client.js';
import { rewritingProxy, type RewritingProxy } from '../helpers/kdf-proxy.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/temp.js';
import { v1Account as makeV1Account } from '../helpers/v1-account.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const OTHER_REALM = 'BBBBBBBBBBBBBBBBBBBBBB';
const servers: TestServer[] = [];
const proxies: RewritingProxy[] = [];
const clients: ParleyClient[] = [];
const bare: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  for (const c of bare.splice(0)) c.close();
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(): Promise<{ server: TestServer; proxy: RewritingProxy }> {
  const server = await startServer({ config: { allowUnencrypted: false } });
  servers.push(server);
  const proxy = await rewritingProxy(server.url);
  proxies.push(proxy);
  return { server, proxy };
}

async function sdk(url: string, storage = memoryStorage()): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, storage, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000 });
  clients.push(c);
  await c.connect();
  return c;
}

async function connect(url: string): Promise<TestClient> {
  const c = await TestClient.connect(url);
  bare.push(c);
  return c;
}

async function v1Account(url: string, username: string) {
  const made = await makeV1Account(url, username, PASSWORD);
  bare.push(made.client);
  return made;
}

const logins = (proxy: RewritingProxy) => proxy.requests.filter((t) => t === 'login').length;
const addressOf = (url: string) => new URL(url).host;

describe('the server realm id', () => {
  it('is the same in hello and prelogin, survives a restart, and an unknown name gets a v2-shaped answer', async () => {
    const dataDir = tempDir();
    let server = await startServer({ dataDir });
    const c = await TestClient.connect(server.url, { hello: false });
    const { realm } = await c.request('hello', { type: 'hello', versions: [1] });
    expect(realm).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const ghost = await c.request('prelogin', { type: 'prelogin', username: 'ghost' });
    expect(ghost).toMatchObject({ kdf: KDF_DEFAULT, realm });
    c.close();
    await server.close();
    server = await startServer({ dataDir });
    servers.push(server);
    const again = await connect(server.url);
    expect((await again.request('prelogin', { type: 'prelogin', username: 'ghost' })).realm).toBe(realm);
    expect((await startServer().then(async (other) => {
      servers.push(other);
      return (await connect(other.url).then((o) => o.request('prelogin', { type: 'prelogin', username: 'ghost' }))).realm;
    }))).not.toBe(realm);
  });

  it('a client refuses a server whose realm changed since it first connected, before sending anything derived from the password', async () => {
    const { proxy } = await setup();
    const storage = memoryStorage();
    const first = await sdk(proxy.url, storage);
    await first.register('alice', PASSWORD);
    await first.logout();
    expect(storage.getItem(STORAGE_KEYS.realm(addressOf(proxy.url)))).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // Only prelogin lies: the realm the v2 salt would be bound to is not the pinned one.
    proxy.rewrite('prelogin', (r) => ({ ...r, realm: OTHER_REALM }));
    const second = await sdk(proxy.url, storage);
    const before = logins(proxy);
    await expect(second.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('realm id changed') });
    // Hello and prelogin both lie, consistently.
    proxy.rewrite('hello', (r) => ({ ...r, realm: OTHER_REALM }));
    const third = await sdk(proxy.url, storage);
    await expect(third.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('realm id changed') });
    await expect(third.register('alice2', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_KEYS' });
    expect(logins(proxy)).toBe(before);
    expect(proxy.requests).not.toContain('changePassword');

    // Without the lie the same device logs in as before.
    proxy.rewrite('hello', undefined);
    proxy.rewrite('prelogin', undefined);
    const honest = await sdk(proxy.url, storage);
    await expect(honest.login('alice', PASSWORD)).resolves.toMatchObject({ username: 'alice' });
  });

  it('a realm the server leaves out of a v2 answer is refused, not skipped', async () => {
    const { proxy } = await setup();
    const seed = await sdk(proxy.url);
    await seed.register('alice', PASSWORD);
    proxy.rewrite('hello', (r) => ({ ...r, realm: undefined }));
    proxy.rewrite('prelogin', (r) => ({ ...r, realm: undefined }));
    const before = logins(proxy);
    const c = await sdk(proxy.url);
    await expect(c.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('realm') });
    expect(logins(proxy)).toBe(before);
  });
});

describe('the v2 floor', () => {
  it('a client refuses descriptors below the floor of their version, before logging in', async () => {
    const { proxy } = await setup();
    const seed = await sdk(proxy.url);
    await seed.register('alice', PASSWORD);
    const cheap = [
      { ...KDF_DEFAULT, m: 19_456, t: 2 },
      { ...KDF_DEFAULT, m: 65_535 },
      { ...KDF_DEFAULT, t: 2 },
      { ...KDF_V1, m: 8_192 },
    ];
    const before = logins(proxy);
    for (const kdf of cheap) {
      proxy.rewrite('prelogin', (r) => ({ ...r, kdf }));
      const c = await sdk(proxy.url);
      await expect(c.login('alice', PASSWORD), JSON.stringify(kdf)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('unsafe') });
    }
    expect(logins(proxy)).toBe(before);
  });
});

describe('upgrading a v1 account on login', () => {
  it('moves the account to v2 with the same password, keeps other sessions, history stays readable, and refuses v1 afterwards', async () => {
    const { server, proxy } = await setup();
    const alice = await v1Account(proxy.url, 'alice');
    const bob = await sdk(proxy.url);
    await bob.register('bob', PASSWORD);
    bob.send('alice', 'sent while alice was on v1');
    await waitFor(() => bob.getSnapshot().outbox.length === 0, { timeoutMs: 10_000 });

    const storage = memoryStorage();
    const laptop = await sdk(proxy.url, storage);
    await laptop.login('alice', PASSWORD);
    const address = addressOf(proxy.url);
    expect(storage.getItem(STORAGE_KEYS.kdfVersion(address, 'alice'))).toBe('2');
    // The server now holds a v2 descriptor with a fresh salt.
    const look = await connect(server.url);
    const pre = await look.request('prelogin', { type: 'prelogin', username: 'alice' });
    expect(pre.kdf).toEqual(KDF_DEFAULT);
    expect(pre.salt).not.toBe(alice.salt);
    expect(proxy.requests.filter((t) => t === 'changePassword')).toHaveLength(1);
    // The silent upgrade signed no one out: the session made at registration still works.
    await expect(alice.client.request('online', { type: 'online' })).resolves.toBeDefined();
    expect(alice.client.closeCode).toBeUndefined();
    expect(laptop.getSnapshot().session?.username).toBe('alice');
    // This device's own session carries on as before: it sends, and bob reads it.
    laptop.send('bob', 'sent after the upgrade');
    await waitFor(() => laptop.getSnapshot().outbox.length === 0, { timeoutMs: 10_000 });
    await waitFor(() => Object.values(bob.getSnapshot().threads).some((t) => t.messages.some((m) => m.body === 'sent after the upgrade')), { timeoutMs: 10_000 });

    // The same password logs in through v2 on a new device, and the message sent before the upgrade opens.
    const phone = await sdk(proxy.url);
    await phone.login('alice', PASSWORD);
    await phone.openConversation('bob');
    const conversation = phone.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'bob')!;
    await waitFor(() => phone.getSnapshot().threads[conversation.id]?.messages.some((m) => m.body === 'sent while alice was on v1'), { timeoutMs: 10_000 });
    expect(proxy.requests.filter((t) => t === 'changePassword')).toHaveLength(1);

    // A server that hands the old v1 descriptor and salt back (say, from a backup) is refused by the upgraded device.
    proxy.rewrite('prelogin', (r) => ({ ...r, salt: alice.salt, kdf: { ...KDF_V1 } }));
    const before = logins(proxy);
    const again = await sdk(proxy.url, storage);
    await expect(again.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('older, weaker') });
    expect(logins(proxy)).toBe(before);
  });

  it('the server takes an upgrade only from v1 to v2; a v2 account must change its password the usual way', async () => {
    const { server } = await setup();
    const c = await sdk(server.url);
    await c.register('carol', PASSWORD);
    const raw = await connect(server.url);
    const pre = await raw.request('prelogin', { type: 'prelogin', username: 'carol' });
    const keys = await deriveKeys({ username: 'carol', password: PASSWORD, salt: Buffer.from(pre.salt, 'base64url'), kdf: pre.kdf, realm: pre.realm });
    if (!keys.ok) throw new Error(keys.reason);
    await raw.request('login', { type: 'login', username: 'carol', password: toBase64url(keys.authKey) });
    const upgrade = {
      type: 'changePassword' as const,
      password: toBase64url(keys.authKey),
      newPassword: toBase64url(keys.authKey),
      salt: toBase64url(newSalt()),
      kdf: { ...KDF_DEFAULT },
      keyBundle: 'kb1.AAAA',
      upgrade: true as const,
    };
    await expect(raw.request('changePassword', upgrade)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('v1') });
    expect((await raw.request('prelogin', { type: 'prelogin', username: 'carol' })).salt).toBe(pre.salt);
  });
});
