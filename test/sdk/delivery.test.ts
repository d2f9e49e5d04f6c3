// The client SDK against the real server: delivery, seen marks, paging, reconnect with resume and outbox resend.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, selectThread, memoryStorage, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(options);
  servers.push(s);
  return s;
}

async function client(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 5_000, ...options });
  clients.push(c);
  await c.connect();
  return c;
}

async function user(url: string, name: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = await client(url, options);
  await c.register(name, 'correct horse battery');
  return c;
}

const bodies = (c: ParleyClient, peer: string) => {
  const s = c.getSnapshot();
  const convo = s.conversations.find((x) => x.kind === 'direct' && x.peer === peer);
  return selectThread(s, convo?.id ?? null, peer).map((i) => i.body);
};

describe('SDK against the real server', () => {
  it('delivers live, counts unread, shows seen, and says USER_NOT_FOUND plainly', async () => {
    const s = await server();
    const alice = await user(s.url, 'alice');
    const bob = await user(s.url, 'bob');
    // Presence is between contacts: bob shows up once they share a conversation; everyone is a request away.
    expect(alice.getSnapshot().online).toEqual(['alice']);
    expect(await alice.activeUsers()).toEqual({ users: ['alice', 'bob'], total: 2 });
    const convo = await alice.openConversation('bob');
    await waitFor(() => alice.getSnapshot().online.includes('bob'));
    expect(alice.getSnapshot().online).toEqual(['alice', 'bob']);
    alice.send('bob', 'hello bob');
    await waitFor(() => bob.getSnapshot().conversations[0]?.unread === 1);
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    expect(selectThread(alice.getSnapshot(), convo.id, 'bob').map((i) => i.status)).toEqual(['sent']);
    const bobConvo = await bob.openConversation('alice');
    bob.setActiveConversation(bobConvo.id);
    await bob.markRead(bobConvo.id);
    expect(bob.getSnapshot().conversations[0]?.unread).toBe(0);
    await waitFor(() => selectThread(alice.getSnapshot(), convo.id, 'bob')[0]?.status === 'seen');
    await expect(alice.openConversation('Bob')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    alice.send('nobody', 'lost?');
    await waitFor(() => alice.getSnapshot().outbox[0]?.status === 'failed');
    expect(alice.getSnapshot().outbox[0]?.error?.code).toBe('USER_NOT_FOUND');
    await bob.exit();
    await waitFor(() => !alice.getSnapshot().online.includes('bob'));
  });

  it("keeps contacts' presence from events: a new device sees its contacts online at once, strangers never, and again after a restart", async () => {
    const first = await server();
    const alice = await user(first.url, 'alice');
    await user(first.url, 'bob');
    await user(first.url, 'carol');
    await alice.openConversation('bob');
    const laptop = await client(first.url);
    await laptop.login('alice', 'correct horse battery');
    await waitFor(() => laptop.getSnapshot().online.length === 2);
    expect(laptop.getSnapshot().online).toEqual(['alice', 'bob']);
    expect((await laptop.activeUsers({ query: 'o' })).users).toEqual(['bob', 'carol']);
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    expect(alice.getSnapshot().online).toEqual([]);
    await server({ dataDir: first.dataDir, config: { port: first.port } });
    await waitFor(() => alice.getSnapshot().online.length === 2, { timeoutMs: 10_000 });
    expect(alice.getSnapshot().online).toEqual(['alice', 'bob']);
  });

  it('pages older history and keeps (conversation, seq) unique', async () => {
    const s = await server();
    await (await user(s.url, 'bob')).exit();
    const alice = await user(s.url, 'alice');
    for (let i = 1; i <= 12; i++) alice.send('bob', `m${i}`);
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    const bob = await client(s.url, { historyPageSize: 5 });
    await bob.login('bob', 'correct horse battery');
    expect(bob.getSnapshot().conversations[0]).toMatchObject({ peer: 'alice', unread: 12, lastSeq: 12 });
    const convo = await bob.openConversation('alice');
    expect(bodies(bob, 'alice')).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
    expect(await bob.loadOlder(convo.id)).toBe(true);
    expect(await bob.loadOlder(convo.id)).toBe(false);
    expect(bodies(bob, 'alice')).toEqual(Array.from({ length: 12 }, (_, i) => `m${i + 1}`));
    expect(await bob.loadOlder(convo.id)).toBe(false);
  });

  it('survives a server restart: resumes, syncs what it missed, sends what was typed meanwhile, nothing twice', async () => {
    const first = await server();
    const alice = await user(first.url, 'alice');
    const bob = await user(first.url, 'bob');
    alice.send('bob', 'before the restart');
    await waitFor(() => bodies(bob, 'alice').length === 1);
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    alice.send('bob', 'typed while down 1');
    alice.send('bob', 'typed while down 2');
    expect(alice.getSnapshot().outbox.map((e) => e.status)).toEqual(['sending', 'sending']);
    await server({ dataDir: first.dataDir, config: { port: first.port } });
    await waitFor(() => alice.getSnapshot().outbox.length === 0, { timeoutMs: 10_000 });
    await waitFor(() => bodies(bob, 'alice').length === 3, { timeoutMs: 10_000 });
    expect(bodies(bob, 'alice')).toEqual(['before the restart', 'typed while down 1', 'typed while down 2']);
    const convo = await bob.openConversation('alice');
    expect(convo.lastSeq).toBe(3);
    expect(bodies(bob, 'alice')).toEqual(['before the restart', 'typed while down 1', 'typed while down 2']);
    expect(bodies(alice, 'bob')).toEqual(['before the restart', 'typed while down 1', 'typed while down 2']);
  });

  it('catches up by sync after its own drop while the peer kept writing', async () => {
    const s = await server();
    const sockets: WebSocket[] = [];
    const Tracked = class extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    };
    const alice = await user(s.url, 'alice', { WebSocket: Tracked, backoff: { baseMs: 60_000, capMs: 60_000 } });
    const bob = await user(s.url, 'bob');
    bob.send('alice', 'one');
    await waitFor(() => alice.getSnapshot().conversations[0]?.lastSeq === 1);
    // Drop alice only, with a long backoff so bob writes while she is away; then let her back.
    for (const socket of sockets.splice(0)) socket.terminate();
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    bob.send('alice', 'two');
    bob.send('alice', 'three');
    await waitFor(() => bob.getSnapshot().outbox.length === 0);
    alice.reconnectNow();
    await waitFor(() => alice.getSnapshot().connection.status === 'online' && alice.getSnapshot().conversations[0]?.lastSeq === 3, {
      timeoutMs: 10_000,
    });
    expect(alice.getSnapshot().conversations[0]?.unread).toBe(3);
    await alice.openConversation('bob');
    expect(bodies(alice, 'bob')).toEqual(['one', 'two', 'three']);
  });

  it('restarts with the stored token and outbox: what a quit client could not send is sent once by the next', async () => {
    const first = await server();
    const storage = memoryStorage();
    const bob = await user(first.url, 'bob');
    const alice = await user(first.url, 'alice', { storage, keyStorage: storage });
    await first.close();
    servers.splice(servers.indexOf(first), 1);
    await waitFor(() => alice.getSnapshot().connection.status === 'reconnecting');
    const entry = alice.send('bob', 'written, then the client quit');
    await alice.exit();
    const s = await server({ dataDir: first.dataDir, config: { port: first.port } });
    const again = await client(s.url, { storage, keyStorage: storage });
    expect(again.getSnapshot().session?.username).toBe('alice');
    await waitFor(() => again.getSnapshot().outbox.length === 0);
    await waitFor(() => bodies(bob, 'alice').length === 1, { timeoutMs: 10_000 });
    const convo = await bob.openConversation('alice');
    expect(convo.lastMessage).toMatchObject({ clientMsgId: entry.clientMsgId, seq: 1 });
    expect(bodies(bob, 'alice')).toEqual(['written, then the client quit']);
  });
});
