// Groups on a real server with raw WebSocket clients: signed changes (made as a client makes them), fan-out, windows,
// a removed member cut off, a resend after leaving, a failed COMMIT that stores and acks nothing, and the rate limit.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { benchIdentity, registrationKeys } from '../../bench/keys.js';
import { databaseFile } from '../../src/server/config.js';
import { DEFAULT_RATE_LIMITS } from '../../src/server/limits/rate-limits.js';
import type { ServerEvent } from '../../src/shared/protocol.js';
import { RequestFailed, TestClient } from '../helpers/client.js';
import { at1, TestChain } from '../helpers/groups.js';
import type { Account } from '../helpers/handler-harness.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const servers: TestServer[] = [];
const sockets: TestClient[] = [];
afterEach(async () => {
  for (const c of sockets.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const PASSWORD = randomBytes(32).toString('base64url');

/** A raw client registered with keys derived from its name (bench/keys.ts), and the signer TestChain needs. */
async function member(s: TestServer, username: string): Promise<{ c: TestClient; as: Account }> {
  const c = await TestClient.connect(s.url);
  sockets.push(c);
  await c.request('register', { type: 'register', username, password: PASSWORD, ...registrationKeys(username) } as never);
  return { c, as: { username, identity: benchIdentity(username) } as unknown as Account };
}

const refused = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof RequestFailed ? e.code : String(e)));
const messages = (c: TestClient) => c.events.filter((e): e is Extract<ServerEvent, { type: 'message' }> => e.type === 'message').map((e) => e.message.body);

async function three(config: Parameters<typeof startServer>[0] = {}) {
  const s = await startServer(config);
  servers.push(s);
  const [alice, bob, carol] = [await member(s, 'alice'), await member(s, 'bob'), await member(s, 'carol')];
  const chain = new TestChain();
  const change = (by: { c: TestClient; as: Account }, text: string, id: number) =>
    by.c.request('changeGroup', { type: 'changeGroup', conversationId: id, change: text }).then((r) => (chain.stored(text), r));
  return { s, alice, bob, carol, chain, change };
}

describe('groups on a real server', () => {
  test('create, add, remove, leave; fan-out; the removed member gets nothing new; windows; a resend after leaving', async () => {
    const { alice, bob, carol, chain, change } = await three();
    const create = chain.next(alice.as, 'create', [at1('alice', 'owner'), at1('bob')]);
    const { conversation } = await alice.c.request('createGroup', { type: 'createGroup', change: create });
    chain.stored(create);
    const id = conversation.id;
    await waitFor(() => bob.c.events.some((e) => e.type === 'membership' && e.index === 0), { what: 'bob hears of the group' });

    const send = (who: TestClient, clientMsgId: string, body: string) => who.request('send', { type: 'send', conversationId: id, clientMsgId, body });
    await send(alice.c, 'a1', 'before carol');
    await waitFor(() => messages(bob.c).includes('before carol'), { what: 'bob gets it' });

    await change(alice, chain.next(alice.as, 'add', [at1('carol')]), id);
    await waitFor(() => carol.c.events.some((e) => e.type === 'membership' && e.index === 1), { what: 'carol hears she was added' });
    const b1 = await send(bob.c, 'b1', 'with carol');
    await waitFor(() => messages(carol.c).includes('with carol') && messages(alice.c).includes('with carol'), { what: 'fan-out to alice and carol' });
    // Bob's sending connection has the ack, not a push.
    expect(messages(bob.c)).not.toContain('with carol');
    // Hidden history: carol's window starts at her joining.
    expect((await carol.c.request('sync', { type: 'sync', after: 0 })).messages.map((m) => m.body)).toEqual(['with carol']);

    await change(alice, chain.next(alice.as, 'remove', [at1('carol')]), id);
    await waitFor(() => carol.c.events.some((e) => e.type === 'membership' && e.index === 2), { what: 'carol learns of her removal' });
    await send(alice.c, 'a2', 'after carol');
    await waitFor(() => messages(bob.c).includes('after carol'), { what: 'bob gets it' });
    expect(messages(carol.c)).not.toContain('after carol');
    expect(await refused(send(carol.c, 'c1', 'still here?'))).toBe('CONVERSATION_NOT_FOUND');
    expect((await carol.c.request('sync', { type: 'sync', after: 0 })).messages.map((m) => m.body)).toEqual(['with carol']);
    expect((await bob.c.request('sync', { type: 'sync', after: 0 })).messages.map((m) => m.body)).toEqual(['before carol', 'with carol', 'after carol']);

    await change(bob, chain.next(bob.as, 'leave'), id);
    expect(await refused(send(bob.c, 'b2', 'gone'))).toBe('CONVERSATION_NOT_FOUND');
    // A resend of what bob sent while a member gets the original ack.
    expect(await send(bob.c, 'b1', 'with carol')).toEqual(b1);
    await send(alice.c, 'a3', 'alone');
    expect((await bob.c.request('sync', { type: 'sync', after: 0 })).messages.map((m) => m.body)).toEqual(['before carol', 'with carol', 'after carol']);
  });

  test('a group send whose COMMIT fails is acked to nobody and stored nowhere; the resend then succeeds', async () => {
    const { s, alice, bob, chain } = await three();
    const create = chain.next(alice.as, 'create', [at1('alice', 'owner'), at1('bob')]);
    const { conversation } = await alice.c.request('createGroup', { type: 'createGroup', change: create });
    const db = new Database(databaseFile({ dataDir: s.dataDir }));
    db.exec(`CREATE TABLE broken (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
      CREATE TRIGGER break_commit AFTER INSERT ON messages BEGIN INSERT INTO broken VALUES (-1); END;`);
    const send = () => alice.c.request('send', { type: 'send', conversationId: conversation.id, clientMsgId: 'x1', body: 'doomed' });
    expect(await refused(send())).not.toBe('ok');
    await new Promise((r) => setTimeout(r, 200));
    expect(messages(bob.c)).toEqual([]);
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 0 });
    expect((await bob.c.request('sync', { type: 'sync', after: 0 })).messages).toEqual([]);
    db.exec('DROP TRIGGER break_commit; DROP TABLE broken;');
    db.close();
    expect(await send()).toMatchObject({ seq: 1 });
    await waitFor(() => messages(bob.c).includes('doomed'), { what: 'bob gets the resend' });
  });

  test('createGroup and changeGroup count against the hourly limit', async () => {
    const { alice, chain, change } = await three({ config: { rateLimits: { ...DEFAULT_RATE_LIMITS, groupChangesPerHour: 2 } } });
    const create = chain.next(alice.as, 'create', [at1('alice', 'owner'), at1('bob')]);
    const { conversation } = await alice.c.request('createGroup', { type: 'createGroup', change: create });
    chain.stored(create);
    await change(alice, chain.next(alice.as, 'rename', [], { name: 'two' }), conversation.id);
    expect(await refused(alice.c.request('changeGroup', { type: 'changeGroup', conversationId: conversation.id, change: chain.next(alice.as, 'rename', [], { name: 'three' }) }))).toBe(
      'RATE_LIMITED',
    );
    const again = new TestChain();
    expect(await refused(alice.c.request('createGroup', { type: 'createGroup', change: again.next(alice.as, 'create', [at1('alice', 'owner')]) }))).toBe('RATE_LIMITED');
  });
});
