// The server side of end-to-end encryption: prelogin salts, key storage, identities and epochs, password change.
import { afterEach, expect, test } from 'vitest';
import {
  deriveKeys,
  encodePublicIdentity,
  fromBase64url,
  generateIdentity,
  KDF_DEFAULT,
  newEpochKey,
  newSalt,
  publicIdentityOf,
  sealEpochKey,
  sealIdentity,
  toBase64url,
} from '../../src/shared/crypto/index.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { TestClient } from '../helpers/client.js';
import { spawnServer, startServer, type TestServer } from '../helpers/server.js';

/** Any well-formed realm id: these tests are about what the server stores, not which realm the keys are bound to. */
const REALM = 'AAAAAAAAAAAAAAAAAAAAAA';
let server: TestServer | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

async function registered(url: string, username: string) {
  const client = await TestClient.connect(url);
  clients.push(client);
  const salt = newSalt();
  const derived = await deriveKeys({ username, password: 'pw-for-tests', salt, kdf: KDF_DEFAULT, realm: REALM });
  if (!derived.ok) throw new Error(derived.reason);
  const identity = generateIdentity();
  const publicIdentity = encodePublicIdentity(identity, username);
  const keyBundle = sealIdentity({ identity, username, wrapKey: derived.wrapKey });
  await client.request('register', {
    type: 'register',
    username,
    password: toBase64url(derived.authKey),
    salt: toBase64url(salt),
    kdf: { ...KDF_DEFAULT },
    publicIdentity,
    keyBundle,
  });
  return { client, identity, publicIdentity, keyBundle, salt, authKey: toBase64url(derived.authKey) };
}

test('prelogin answers the real salt for an account and a stable fake one otherwise; login returns the keys', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const anon = await TestClient.connect(server.url);
  clients.push(anon);
  const real = await anon.request('prelogin', { type: 'prelogin', username: 'alice' });
  expect(real.salt).toBe(toBase64url(alice.salt));
  expect(real.kdf).toEqual(KDF_DEFAULT);
  const fake1 = await anon.request('prelogin', { type: 'prelogin', username: 'nobody' });
  const fake2 = await anon.request('prelogin', { type: 'prelogin', username: 'nobody' });
  expect(fake1).toEqual(fake2);
  expect(fromBase64url(fake1.salt)?.length).toBe(16);
  const login = await anon.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  expect(login.keyBundle).toBe(alice.keyBundle);
  expect(login.publicIdentity).toBe(alice.publicIdentity);
  expect(await anon.request('myKeys', { type: 'myKeys' })).toMatchObject({ keyBundle: alice.keyBundle, salt: real.salt });
});

test('a registration with a public identity for another username is refused', async () => {
  server = await startServer();
  const client = await TestClient.connect(server.url);
  clients.push(client);
  const identity = generateIdentity();
  const request = client.request('register', {
    type: 'register',
    username: 'mallory',
    password: 'x'.repeat(43),
    salt: toBase64url(newSalt()),
    kdf: { ...KDF_DEFAULT },
    publicIdentity: encodePublicIdentity(identity, 'alice'),
    keyBundle: 'kb1.AAAA',
  });
  await expect(request).rejects.toMatchObject({ code: 'INVALID_KEYS' });
});

test('identities and epochs: one epoch per number, every member covered, copies pushed as events', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const bob = await registered(server.url, 'bob');
  const { identities } = await alice.client.request('identity', { type: 'identity', username: 'bob' });
  expect(identities).toEqual([bob.publicIdentity]);
  const { conversation } = await alice.client.request('open', { type: 'open', with: 'bob' });
  expect(conversation.epoch).toBe(0);
  const epochKey = newEpochKey();
  const seal = (recipient: typeof alice) =>
    sealEpochKey({
      epochKey,
      conversationId: conversation.id,
      epoch: 1,
      recipient: publicIdentityOf(recipient.identity, recipient === alice ? 'alice' : 'bob'),
      creator: alice.identity,
      creatorName: 'alice',
      members: [
        { username: 'alice', keyVersion: 1 },
        { username: 'bob', keyVersion: 1 },
      ],
    });
  const keys = [
    { recipient: 'alice', sealed: seal(alice) },
    { recipient: 'bob', sealed: seal(bob) },
  ];
  // Copies must name this conversation and epoch, and (ek2) exactly its members at their current key versions.
  const carolKeys = generateIdentity();
  const misfits = [
    sealEpochKey({ epochKey, conversationId: conversation.id + 1, epoch: 1, recipient: publicIdentityOf(bob.identity, 'bob'), creator: alice.identity, creatorName: 'alice', members: [{ username: 'alice', keyVersion: 1 }, { username: 'bob', keyVersion: 1 }] }),
    sealEpochKey({ epochKey, conversationId: conversation.id, epoch: 2, recipient: publicIdentityOf(bob.identity, 'bob'), creator: alice.identity, creatorName: 'alice', members: [{ username: 'alice', keyVersion: 1 }, { username: 'bob', keyVersion: 1 }] }),
    sealEpochKey({
      epochKey,
      conversationId: conversation.id,
      epoch: 1,
      recipient: publicIdentityOf(bob.identity, 'bob'),
      creator: alice.identity,
      creatorName: 'alice',
      members: [{ username: 'alice', keyVersion: 1 }, { username: 'bob', keyVersion: 1 }, { username: 'carol', keyVersion: carolKeys.keyVersion }],
    }),
  ];
  for (const sealed of misfits) {
    await expect(
      alice.client.request('addEpoch', { type: 'addEpoch', conversationId: conversation.id, epoch: 1, keys: [keys[0]!, { recipient: 'bob', sealed }] }),
    ).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringMatching(/sealed key for bob/) });
  }
  await expect(
    alice.client.request('addEpoch', { type: 'addEpoch', conversationId: conversation.id, epoch: 1, keys: keys.slice(0, 1) }),
  ).rejects.toMatchObject({ code: 'INVALID_KEYS' });
  await alice.client.request('addEpoch', { type: 'addEpoch', conversationId: conversation.id, epoch: 1, keys });
  const event = await bob.client.event('epoch');
  expect(event).toMatchObject({ conversationId: conversation.id, epoch: 1, creator: 'alice', sealed: keys[1]!.sealed });
  await expect(
    bob.client.request('addEpoch', { type: 'addEpoch', conversationId: conversation.id, epoch: 1, keys }),
  ).rejects.toMatchObject({ code: 'EPOCH_CONFLICT' });
  const { epochs } = await bob.client.request('epochKeys', { type: 'epochKeys', conversationId: conversation.id });
  expect(epochs).toEqual([{ epoch: 1, creator: 'alice', sealed: keys[1]!.sealed }]);
  const carol = await registered(server.url, 'carol');
  await expect(
    carol.client.request('epochKeys', { type: 'epochKeys', conversationId: conversation.id }),
  ).rejects.toMatchObject({ code: 'CONVERSATION_NOT_FOUND' });
  const summary = await bob.client.request('open', { type: 'open', with: 'alice' });
  expect(summary.conversation.epoch).toBe(1);
});

test('changePassword replaces the auth key and bundle; the old auth key no longer logs in', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  const other = await TestClient.connect(server.url);
  clients.push(other);
  await other.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  const salt = newSalt();
  const derived = await deriveKeys({ username: 'alice', password: 'new-password', salt, kdf: KDF_DEFAULT, realm: REALM });
  if (!derived.ok) throw new Error(derived.reason);
  const keyBundle = sealIdentity({ identity: alice.identity, username: 'alice', wrapKey: derived.wrapKey });
  const change = {
    type: 'changePassword' as const,
    password: alice.authKey,
    newPassword: toBase64url(derived.authKey),
    salt: toBase64url(salt),
    kdf: { ...KDF_DEFAULT },
    keyBundle,
  };
  await expect(alice.client.request('changePassword', { ...change, password: 'y'.repeat(43) })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  await alice.client.request('changePassword', change);
  const fresh = await TestClient.connect(server.url);
  clients.push(fresh);
  await expect(fresh.request('login', { type: 'login', username: 'alice', password: alice.authKey })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  const login = await fresh.request('login', { type: 'login', username: 'alice', password: change.newPassword });
  expect(login.keyBundle).toBe(keyBundle);
  expect((await fresh.request('prelogin', { type: 'prelogin', username: 'alice' })).salt).toBe(change.salt);
});

test('an account with keys takes only auth keys, and a password change only with its keys re-sealed', async () => {
  server = await startServer();
  const alice = await registered(server.url, 'alice');
  // A registration with keys whose password is not an auth key: a client that would hand the server the password.
  const raw = await TestClient.connect(server.url);
  clients.push(raw);
  const identity = generateIdentity();
  const registration = {
    type: 'register' as const,
    username: 'bob',
    password: 'correct horse battery',
    salt: toBase64url(newSalt()),
    kdf: { ...KDF_DEFAULT },
    publicIdentity: encodePublicIdentity(identity, 'bob'),
    keyBundle: alice.keyBundle,
  };
  await expect(raw.request('register', registration)).rejects.toMatchObject({ code: 'INVALID_KEYS', message: expect.stringContaining('43-character auth key') });
  expect(await server.server.services.store.findUserByName('bob')).toBeUndefined();

  const derived = await deriveKeys({ username: 'alice', password: 'new-password', salt: newSalt(), kdf: KDF_DEFAULT, realm: REALM });
  if (!derived.ok) throw new Error(derived.reason);
  const newAuthKey = toBase64url(derived.authKey);
  // No keys re-sealed: refused, and nothing changed (the old auth key still logs in, the bundle is the same).
  await expect(alice.client.request('changePassword', { type: 'changePassword', password: alice.authKey, newPassword: newAuthKey })).rejects.toMatchObject({
    code: 'INVALID_KEYS',
    message: expect.stringContaining('history would become unreadable'),
  });
  const salt = toBase64url(newSalt());
  const rewrap = { type: 'changePassword' as const, password: alice.authKey, salt, kdf: { ...KDF_DEFAULT }, keyBundle: alice.keyBundle };
  await expect(alice.client.request('changePassword', { ...rewrap, newPassword: 'a new plain password' })).rejects.toMatchObject({ code: 'INVALID_KEYS' });
  const check = await TestClient.connect(server.url);
  clients.push(check);
  const login = await check.request('login', { type: 'login', username: 'alice', password: alice.authKey });
  expect(login.keyBundle).toBe(alice.keyBundle);
  expect((await check.request('prelogin', { type: 'prelogin', username: 'alice' })).salt).toBe(toBase64url(alice.salt));
});

test('by default the server takes only encrypted accounts and messages: E2E_REQUIRED in plain words otherwise', async () => {
  server = await startServer({ config: { allowUnencrypted: false } });
  const plain = await TestClient.connect(server.url);
  clients.push(plain);
  await expect(plain.request('register', { type: 'register', username: 'carol', password: 'a long password' })).rejects.toMatchObject({
    code: 'E2E_REQUIRED',
    message: expect.stringMatching(/requires end-to-end encryption/),
  });
  const alice = await registered(server.url, 'alice');
  await registered(server.url, 'bob');
  await expect(alice.client.request('send', { type: 'send', to: 'bob', clientMsgId: 'plain1', body: 'readable by the server' })).rejects.toMatchObject({
    code: 'E2E_REQUIRED',
  });
  // What no client could have sealed: too short for header, nonce, signature and tag; not base64url; a length that does not decode.
  const shortest = `p1.${'A'.repeat(162)}`;
  for (const body of [`p1.${'A'.repeat(161)}`, `p1.${'A'.repeat(161)}*`, `p1.${'A'.repeat(165)}`, `p1.${'A'.repeat(162)}=`, `P1.${'A'.repeat(162)}`]) {
    await expect(alice.client.request('send', { type: 'send', to: 'bob', clientMsgId: 'bad', body })).rejects.toMatchObject({ code: 'E2E_REQUIRED' });
  }
  // An envelope-shaped body naming the conversation it goes to is taken (the server cannot and does not open it).
  const { conversation } = await alice.client.request('open', { type: 'open', with: 'bob' });
  const naming = (id: number, version = 'p2.') => {
    const bytes = new Uint8Array(121);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(id));
    return version + toBase64url(bytes);
  };
  // One made for another conversation (the server, or a buggy client, moving it) is refused and not stored.
  await expect(alice.client.request('send', { type: 'send', to: 'bob', clientMsgId: 'moved', body: naming(conversation.id + 1) })).rejects.toMatchObject({
    code: 'CONVERSATION_MISMATCH',
    message: expect.stringMatching(/encrypted for another conversation/),
  });
  const ack = await alice.client.request('send', { type: 'send', to: 'bob', clientMsgId: 'sealed1', body: naming(conversation.id) });
  expect(ack).toMatchObject({ seq: 1, conversationId: conversation.id });
  const old = await alice.client.request('send', { type: 'send', to: 'bob', clientMsgId: 'sealed2', body: naming(conversation.id, 'p1.') });
  expect(old.seq).toBe(2);
  expect(shortest.length).toBe(naming(0).length);
  const db = (server.server.services.store as SqliteStore).db;
  expect(db.prepare("SELECT count(*) AS n FROM users WHERE username = 'carol'").get()).toEqual({ n: 0 });
  expect(db.prepare('SELECT body FROM messages ORDER BY id').all()).toEqual([{ body: naming(conversation.id) }, { body: naming(conversation.id, 'p1.') }]);
});

test('`parley server` refuses plain accounts by default; --allow-unencrypted or PARLEY_ALLOW_UNENCRYPTED lets tooling in', async () => {
  const plainRegistration = async (url: string) => {
    const client = await TestClient.connect(url);
    clients.push(client);
    await client.request('hello', { type: 'hello', versions: [1] });
    return client.request('register', { type: 'register', username: 'tool', password: 'a long password' }).then(
      () => 'registered',
      (error: { code: string }) => error.code,
    );
  };
  const cases: [Parameters<typeof spawnServer>[0], string][] = [
    [{}, 'E2E_REQUIRED'],
    [{ args: ['--allow-unencrypted'] }, 'registered'],
    [{ env: { PARLEY_ALLOW_UNENCRYPTED: 'true' } }, 'registered'],
  ];
  for (const [options, expected] of cases) {
    const spawned = await spawnServer(options);
    try {
      expect(await plainRegistration(spawned.url)).toBe(expected);
    } finally {
      await spawned.kill('SIGTERM');
    }
  }
}, 60_000);
