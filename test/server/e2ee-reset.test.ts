// Identity reset on the server: resetKeys checks the password and the new key version, keeps the old keys, tells contacts, and commits all or nothing.
import { afterEach, expect, test } from 'vitest';
import {
  deriveKeys,
  encodePublicIdentity,
  generateIdentity,
  KDF_DEFAULT,
  newSalt,
  openIdentity,
  sealIdentity,
  toBase64url,
  type Identity,
} from '../../src/shared/crypto/index.js';
import { DEFAULT_RATE_LIMITS } from '../../src/server/limits/rate-limits.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function connect(url: string): Promise<TestClient> {
  const client = await TestClient.connect(url);
  clients.push(client);
  return client;
}

/** Any well-formed realm id: these tests are about what the server stores, not which realm the keys are bound to. */
const REALM = 'AAAAAAAAAAAAAAAAAAAAAA';

async function keysFor(username: string, password: string, salt: Uint8Array) {
  const derived = await deriveKeys({ username, password, salt, kdf: KDF_DEFAULT, realm: REALM });
  if (!derived.ok) throw new Error(derived.reason);
  return { authKey: toBase64url(derived.authKey), wrapKey: derived.wrapKey };
}

async function registered(url: string, username: string) {
  const client = await connect(url);
  const salt = newSalt();
  const { authKey, wrapKey } = await keysFor(username, 'pw-for-tests', salt);
  const identity = generateIdentity();
  const keyBundle = sealIdentity({ identity, username, wrapKey });
  await client.request('register', {
    type: 'register',
    username,
    password: authKey,
    salt: toBase64url(salt),
    kdf: { ...KDF_DEFAULT },
    publicIdentity: encodePublicIdentity(identity, username),
    keyBundle,
  });
  return { client, identity, keyBundle, authKey, wrapKey, username };
}

type User = Awaited<ReturnType<typeof registered>>;

/** A reset request for the next key version (or `keyVersion`), sealed with the user's wrap key. */
function reset(user: User, keyVersion = user.identity.keyVersion + 1) {
  const identity = generateIdentity(keyVersion);
  return {
    identity,
    request: {
      type: 'resetKeys' as const,
      password: user.authKey,
      publicIdentity: encodePublicIdentity(identity, user.username),
      keyBundle: sealIdentity({ identity, username: user.username, wrapKey: user.wrapKey }),
    },
  };
}

/** Everything the server holds about a user's keys and sessions, to show that a refused reset changed nothing. */
function snapshot(s: TestServer, username: string) {
  const db = (s.server.services.store as SqliteStore).db;
  const { id } = db.prepare('SELECT id FROM users WHERE username = ?').get(username) as { id: number };
  return {
    user: db.prepare('SELECT password_hash, salt, kdf, key_bundle FROM users WHERE id = ?').get(id),
    identities: db.prepare('SELECT key_version, public_identity FROM identities WHERE user_id = ? ORDER BY key_version').all(id),
    old: db.prepare('SELECT key_version, key_bundle FROM old_key_bundles WHERE user_id = ? ORDER BY key_version').all(id),
    sessions: db.prepare('SELECT id FROM sessions WHERE user_id = ? ORDER BY id').all(id),
  };
}

const opens = (bundle: string, username: string, wrapKey: Uint8Array, expected: Identity): boolean => {
  const opened = openIdentity({ bundle, username, wrapKey });
  return opened.ok && opened.identity.keyVersion === expected.keyVersion && toBase64url(opened.identity.x25519.publicKey) === toBase64url(expected.x25519.publicKey);
};

test('resetKeys publishes the next key version, keeps the old keys, ends the other sessions and tells contacts', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const bob = await registered(server.url, 'bob');
  const carol = await registered(server.url, 'carol');
  await alice.client.request('open', { type: 'open', with: 'bob' });
  const phone = await connect(server.url);
  await phone.request('login', { type: 'login', username: 'alice', password: alice.authKey });

  const next = reset(alice);
  expect(await alice.client.request('resetKeys', next.request)).toEqual({ keyVersion: 2, endedSessions: 1 });
  expect(await phone.waitClosed()).toBe(4001);
  const event = await bob.client.event('keys');
  expect(event).toEqual({ type: 'keys', username: 'alice', publicIdentity: next.request.publicIdentity });
  // carol shares no conversation with alice: she is not told.
  await bob.client.request('online', { type: 'online' });
  expect(carol.client.events.filter((e) => e.type === 'keys')).toEqual([]);

  // The identity list grows, oldest first; the old version stays published for old signatures.
  const { identities } = await bob.client.request('identity', { type: 'identity', username: 'alice' });
  expect(identities).toEqual([encodePublicIdentity(alice.identity, 'alice'), next.request.publicIdentity]);
  // Any device: login hands out the new keys and the old ones, both sealed with the password's wrap key.
  const laptop = await connect(server.url);
  const login = await laptop.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  expect(login.publicIdentity).toBe(next.request.publicIdentity);
  expect(login.keyBundle).toBe(next.request.keyBundle);
  expect(login.oldKeyBundles).toEqual([alice.keyBundle]);
  expect(opens(login.oldKeyBundles![0]!, 'alice', alice.wrapKey, alice.identity)).toBe(true);
  expect((await laptop.request('myKeys', { type: 'myKeys' })).oldKeyBundles).toEqual([alice.keyBundle]);
  // The asking connection stays signed in.
  await alice.client.request('online', { type: 'online' });
});

test('a wrong password, a wrong key version, a bad signature or a bundle for another version change nothing', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const phone = await connect(server.url);
  await phone.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  const before = snapshot(server, 'alice');
  const next = reset(alice);
  const refused = async (request: typeof next.request, code: string, message?: RegExp) => {
    await expect(alice.client.request('resetKeys', request)).rejects.toMatchObject({ code, ...(message ? { message: expect.stringMatching(message) } : {}) });
    expect(snapshot(server!, 'alice')).toEqual(before);
  };
  await refused({ ...next.request, password: 'y'.repeat(43) }, 'AUTH_FAILED', /password is wrong/);
  await refused(reset(alice, 3).request, 'INVALID_KEYS', /key version 2/);
  await refused(reset(alice, 1).request, 'INVALID_KEYS', /key version 2/);
  // Signed for another username, or with a changed signature byte.
  await refused({ ...next.request, publicIdentity: encodePublicIdentity(next.identity, 'bob') }, 'INVALID_KEYS', /not signed for this username/);
  const text = next.request.publicIdentity;
  const flipped = text.slice(0, -2) + (text.at(-2) === 'A' ? 'B' : 'A') + text.at(-1)!;
  await refused({ ...next.request, publicIdentity: flipped }, 'INVALID_KEYS');
  // The bundle of the old version, and one that is not a bundle at all.
  await refused({ ...next.request, keyBundle: alice.keyBundle }, 'INVALID_KEYS', /sealed for key version 2/);
  await refused({ ...next.request, keyBundle: 'kb1.AAAA' }, 'INVALID_KEYS');
  expect(phone.closeCode).toBeUndefined();
  // No password, key or bundle reached the logs.
  const logs = server.logs.join('\n');
  for (const secret of [alice.authKey, next.request.keyBundle, alice.keyBundle]) expect(logs).not.toContain(secret);
});

test('wrong passwords for resetKeys count as failed logins: the limit refuses even the right one', async () => {
  server = await startServer({ config: { rateLimits: { ...DEFAULT_RATE_LIMITS, loginFailuresPerAccount: 2 } } });
  const alice = await registered(server.url, 'alice');
  const next = reset(alice);
  for (let i = 0; i < 2; i++) {
    await expect(alice.client.request('resetKeys', { ...next.request, password: 'y'.repeat(43) })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  }
  await expect(alice.client.request('resetKeys', next.request)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  expect(snapshot(server, 'alice').identities).toHaveLength(1);
});

test('a reset whose commit fails leaves keys, identities and sessions as they were', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const bob = await registered(server.url, 'bob');
  await alice.client.request('open', { type: 'open', with: 'bob' });
  const phone = await connect(server.url);
  await phone.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  const before = snapshot(server, 'alice');
  // The transaction's last step (ending the other sessions) fails, after the key writes ran.
  const db = (server.server.services.store as SqliteStore).db;
  db.exec("CREATE TRIGGER fail_reset BEFORE DELETE ON sessions BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  await expect(alice.client.request('resetKeys', reset(alice).request)).rejects.toMatchObject({ code: 'INTERNAL' });
  expect(snapshot(server, 'alice')).toEqual(before);
  expect(phone.closeCode).toBeUndefined();
  await bob.client.request('online', { type: 'online' });
  expect(bob.client.events.filter((e) => e.type === 'keys')).toEqual([]);
  // Once the store works again the same reset goes through.
  db.exec('DROP TRIGGER fail_reset');
  expect((await alice.client.request('resetKeys', reset(alice).request)).keyVersion).toBe(2);
});

test('after a reset, changePassword must re-seal every key version: all or nothing', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const next = reset(alice);
  await alice.client.request('resetKeys', next.request);
  const salt = newSalt();
  const fresh = await keysFor('alice', 'new-password', salt);
  const change = {
    type: 'changePassword' as const,
    password: alice.authKey,
    newPassword: fresh.authKey,
    salt: toBase64url(salt),
    kdf: { ...KDF_DEFAULT },
    keyBundle: sealIdentity({ identity: next.identity, username: 'alice', wrapKey: fresh.wrapKey }),
  };
  const oldResealed = sealIdentity({ identity: alice.identity, username: 'alice', wrapKey: fresh.wrapKey });
  const before = snapshot(server, 'alice');
  // Without the old keys, with the new version twice, or with the versions swapped: refused, nothing changes.
  for (const wrong of [
    change,
    { ...change, oldKeyBundles: [change.keyBundle] },
    { ...change, keyBundle: oldResealed, oldKeyBundles: [change.keyBundle] },
    { ...change, oldKeyBundles: [oldResealed, oldResealed] },
  ]) {
    await expect(alice.client.request('changePassword', wrong)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringMatching(/every key version/) });
    expect(snapshot(server, 'alice')).toEqual(before);
  }
  await alice.client.request('changePassword', { ...change, oldKeyBundles: [oldResealed] });
  const laptop = await connect(server.url);
  const login = await laptop.request('login', { type: 'login', username: 'alice', password: fresh.authKey });
  expect(opens(login.keyBundle!, 'alice', fresh.wrapKey, next.identity)).toBe(true);
  expect(login.oldKeyBundles).toEqual([oldResealed]);
  expect(opens(login.oldKeyBundles![0]!, 'alice', fresh.wrapKey, alice.identity)).toBe(true);
});
