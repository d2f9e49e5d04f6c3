// Identity reset through the SDK against the real server: old history stays readable on every device, new messages use the new keys.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, memoryStorage, selectThread, type ClientMessage, type ParleyClientOptions } from '../../src/shared/client/index.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'reset-password-sdk-5a1e';
const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function client(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000, ...options });
  clients.push(c);
  await c.connect();
  return c;
}

async function signedIn(url: string, name: string, how: 'register' | 'login', password = PASSWORD, options: Partial<ParleyClientOptions> = {}) {
  const c = await client(url, options);
  await (how === 'register' ? c.register(name, password) : c.login(name, password));
  return c;
}

async function bodies(c: ParleyClient, peer: string): Promise<{ body: string; failure?: string }[]> {
  const convo = await c.openConversation(peer);
  return selectThread(c.getSnapshot(), convo.id, peer).map((i) => (i.failure ? { body: i.body, failure: i.failure.reason } : { body: i.body }));
}

async function sent(c: ParleyClient, to: string, text: string): Promise<void> {
  const entry = c.send(to, text);
  await waitFor(() => !c.getSnapshot().outbox.some((e) => e.clientMsgId === entry.clientMsgId), { timeoutMs: 10_000 });
}

describe('identity reset, SDK and real server', () => {
  it('after a reset a second device reads the old history and the new messages; sends use a new epoch sealed to the new keys', async () => {
    const s = await startServer();
    servers.push(s);
    const storage = memoryStorage();
    const keyStorage = memoryStorage();
    const alice = await signedIn(s.url, 'alice', 'register', PASSWORD, { storage, keyStorage });
    const bob = await signedIn(s.url, 'bob', 'register');
    await sent(alice, 'bob', 'before the reset, from alice');
    await sent(bob, 'alice', 'before the reset, from bob');
    const phone = await signedIn(s.url, 'alice', 'login');

    await expect(alice.resetKeys('not the password')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(await alice.resetKeys(PASSWORD)).toBe(2);
    // The other device held the old keys only: it is signed out.
    await waitFor(() => phone.getSnapshot().session === null);
    // bob is told at once, and sees it as a key change.
    await waitFor(() => bob.getSnapshot().contacts.alice?.status === 'changed');

    // The same user on a new device: both key versions open, so history from before the reset reads.
    const laptop = await signedIn(s.url, 'alice', 'login');
    const before = [{ body: 'before the reset, from alice' }, { body: 'before the reset, from bob' }];
    expect(await bodies(laptop, 'bob')).toEqual(before);
    expect(await bodies(alice, 'bob')).toEqual(before);

    // A send after the reset starts epoch 2, sealed to alice's new key version: epoch 1's key stays with the old keys.
    await sent(alice, 'bob', 'after the reset, from alice');
    const db = (s.server.services.store as SqliteStore).db;
    const copies = db
      .prepare('SELECT e.epoch, u.username, e.recipient_key_version AS version FROM epoch_keys e JOIN users u ON u.id = e.recipient_id ORDER BY e.epoch, u.username')
      .all();
    expect(copies).toEqual([
      { epoch: 1, username: 'alice', version: 1 },
      { epoch: 1, username: 'bob', version: 1 },
      { epoch: 2, username: 'alice', version: 2 },
      { epoch: 2, username: 'bob', version: 1 },
    ]);
    // Signed by keys bob has not accepted: not shown as alice's text until he does.
    const lastFromAlice = () => bob.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'alice')?.lastMessage as ClientMessage | undefined;
    await waitFor(() => lastFromAlice()?.failure?.reason === 'unaccepted-key');

    // bob's replies wait until he accepts alice's new keys, then go under the new epoch.
    const waiting = bob.send('alice', 'after the reset, from bob');
    const failed = await waitFor(() => bob.getSnapshot().outbox.find((e) => e.clientMsgId === waiting.clientMsgId && e.status === 'failed'));
    expect(failed.error?.code).toBe('KEYS_CHANGED');
    await bob.markVerified('alice', false);
    // Accepting the keys opens what they signed.
    await waitFor(() => lastFromAlice()?.body === 'after the reset, from alice');
    bob.retry(waiting.clientMsgId);
    await waitFor(() => bob.getSnapshot().outbox.length === 0, { timeoutMs: 10_000 });
    const all = [...before, { body: 'after the reset, from alice' }, { body: 'after the reset, from bob' }];
    await waitFor(() => laptop.getSnapshot().conversations.find((c) => c.kind === 'direct' && c.peer === 'bob')?.lastMessage?.body === 'after the reset, from bob');
    expect(await bodies(laptop, 'bob')).toEqual(all);
    const bob2 = await signedIn(s.url, 'bob', 'login');
    expect(await bodies(bob2, 'alice')).toEqual(all);

    // A restarted client unlocks every key version from the stored wrap key; a password change re-seals them all.
    const restarted = await client(s.url, { storage, keyStorage });
    expect(restarted.getSnapshot().keys).toBe('unlocked');
    expect(await bodies(restarted, 'bob')).toEqual(all);
    expect(await alice.changePassword(PASSWORD, 'the password after the reset')).toBe(1);
    const tablet = await signedIn(s.url, 'alice', 'login', 'the password after the reset');
    expect(await bodies(tablet, 'bob')).toEqual(all);
  });

  it('a second reset keeps both older key versions', async () => {
    const s = await startServer();
    servers.push(s);
    const alice = await signedIn(s.url, 'alice', 'register');
    await signedIn(s.url, 'bob', 'register');
    await sent(alice, 'bob', 'under key version 1');
    expect(await alice.resetKeys(PASSWORD)).toBe(2);
    await sent(alice, 'bob', 'under key version 2');
    expect(await alice.resetKeys(PASSWORD)).toBe(3);
    await sent(alice, 'bob', 'under key version 3');
    const laptop = await signedIn(s.url, 'alice', 'login');
    expect(await bodies(laptop, 'bob')).toEqual([{ body: 'under key version 1' }, { body: 'under key version 2' }, { body: 'under key version 3' }]);
  });
});
