// Groups through the SDK against real server processes: three users create a group, add, remove, leave,
// rename and talk; a removed member reads nothing that follows; a newcomer reads earlier messages (and sees the
// earlier membership lines) only when the group shares its history; a resend after a reconnect is stored once;
// your message turns seen once every other member read it, from one readMarks and the live read events.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { describeMembershipLine, memoryStorage, ParleyClient, selectThread, STORAGE_KEYS, threadOf, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { startMaliciousProxy, type MaliciousProxy } from '../helpers/malicious-proxy.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const servers: TestServer[] = [];
const proxies: MaliciousProxy[] = [];
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(): Promise<TestServer> {
  const s = await startServer({ config: { allowUnencrypted: false } });
  servers.push(s);
  return s;
}

async function user(url: string, name: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000, ...options });
  clients.push(c);
  await c.connect();
  await c.register(name, PASSWORD);
  return c;
}

const texts = (c: ParleyClient, id: number): string[] => threadOf(c.getSnapshot(), id).messages.map((m) => m.body);
const view = (c: ParleyClient, id: number) => c.getSnapshot().groups[id];
const memberNames = (c: ParleyClient, id: number) => view(c, id)?.members.map((m) => m.username);
const lines = (c: ParleyClient, id: number, me: string) => (view(c, id)?.timeline ?? []).map((l) => describeMembershipLine(l, me));

/** Sends in a group and waits for the server's ack. */
async function say(c: ParleyClient, id: number, text: string): Promise<string> {
  const entry = c.sendTo(id, text);
  await waitFor(() => !c.getSnapshot().outbox.some((e) => e.clientMsgId === entry.clientMsgId), { timeoutMs: 10_000, what: `"${text}" acked` });
  return entry.clientMsgId;
}

/** Waits until `c` shows `text` in the group (opening its history first if it is not loaded). */
async function reads(c: ParleyClient, id: number, text: string): Promise<void> {
  await waitFor(() => texts(c, id).includes(text), { timeoutMs: 10_000, what: `${c.getSnapshot().session?.username} reads "${text}"` });
}

describe('groups through the SDK', () => {
  test('three users: create, talk, add, rename, roles, remove, leave; the removed member reads nothing after', async () => {
    const s = await server();
    const alice = await user(s.url, 'alice');
    const bob = await user(s.url, 'bob');
    const carol = await user(s.url, 'carol');

    const group = await alice.createGroup('Ops', ['bob']);
    const id = group.id;
    expect(group.kind).toBe('group');
    await waitFor(() => view(bob, id), { what: 'bob sees the group' });
    expect(memberNames(bob, id)).toEqual(['alice', 'bob']);
    expect(view(bob, id)!.myRole).toBe('member');
    expect(lines(bob, id, 'bob')).toEqual(['alice created the group “Ops” with you']);

    await say(alice, id, 'hello bob');
    await reads(bob, id, 'hello bob');
    await say(bob, id, 'hi alice');
    await reads(alice, id, 'hi alice');

    // A member cannot rename or add; the owner can.
    await expect(bob.renameGroup(id, 'Mine')).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(bob.addMembers(id, ['carol'])).rejects.toMatchObject({ code: 'NOT_ALLOWED' });
    await expect(alice.addMembers(id, ['nobody'])).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(alice.renameGroup(id, ' spaced ')).rejects.toMatchObject({ code: 'INVALID_GROUP_NAME' });

    await alice.addMembers(id, ['carol']);
    await waitFor(() => view(carol, id), { what: 'carol sees the group' });
    await waitFor(() => memberNames(bob, id)?.length === 3, { what: 'bob sees carol added' });
    expect(lines(bob, id, 'bob').at(-1)).toBe('alice added carol');
    // History is hidden by default: carol reads from her joining on only.
    await say(carol, id, 'hello all');
    await reads(alice, id, 'hello all');
    await reads(bob, id, 'hello all');
    await carol.loadOlder(id);
    expect(texts(carol, id)).not.toContain('hello bob');
    expect(texts(carol, id)).toContain('hello all');

    await alice.renameGroup(id, 'Ops 2');
    await waitFor(() => view(carol, id)?.name === 'Ops 2' && view(bob, id)?.name === 'Ops 2', { what: 'everyone sees the new name' });
    expect(lines(alice, id, 'alice').at(-1)).toBe('you renamed the group to “Ops 2”');

    await alice.setRole(id, 'carol', 'admin');
    await waitFor(() => view(bob, id)?.members.find((m) => m.username === 'carol')?.role === 'admin');
    await expect(alice.leaveGroup(id)).rejects.toMatchObject({ code: 'LAST_OWNER' });

    // carol (admin) removes bob: bob learns it, and reads nothing sent after.
    await carol.removeMember(id, 'bob');
    await waitFor(() => view(bob, id)?.myRole === null, { what: 'bob sees his removal' });
    expect(lines(bob, id, 'bob').at(-1)).toBe('carol removed you');
    expect(() => bob.sendTo(id, 'still here?')).toThrow(expect.objectContaining({ code: 'CONVERSATION_NOT_FOUND' }));
    await say(alice, id, 'after bob left');
    await reads(carol, id, 'after bob left');
    await new Promise((r) => setTimeout(r, 300));
    await bob.loadOlder(id).catch(() => false);
    expect(texts(bob, id)).not.toContain('after bob left');
    expect(texts(bob, id)).toContain('hello all');
    // The key made at the removal was sealed to alice and carol only: bob never opened it.
    const epochsOf = (c: ParleyClient) => (c.getSnapshot().security[id] ?? []).filter((e) => e.kind === 'new-epoch').map((e) => e.epoch ?? 0);
    const newest = Math.max(...epochsOf(carol));
    expect(epochsOf(alice)).toContain(newest);
    expect(Math.max(...epochsOf(bob))).toBeLessThan(newest);

    await carol.leaveGroup(id);
    await waitFor(() => memberNames(alice, id)?.join() === 'alice', { what: 'alice sees carol leave' });
    expect(lines(alice, id, 'alice').slice(-2)).toEqual(['carol removed bob', 'carol left']);
    expect(view(carol, id)!.myRole).toBeNull();

    // Seen by: alice writes to an empty room; no one else has read it.
    const seq = threadOf(alice.getSnapshot(), id).messages.at(-1)!.seq;
    expect(await alice.seenBy(id, seq)).toEqual([]);
    expect(selectThread(alice.getSnapshot(), id, '').length).toBeGreaterThan(0);
    // No refusals anywhere on an honest server.
    for (const c of [alice, bob, carol]) expect((c.getSnapshot().security[id] ?? []).filter((e) => e.kind !== 'new-epoch')).toEqual([]);
  });

  test('seen by, typing, and mentions in a muted group', async () => {
    const s = await server();
    const alice = await user(s.url, 'alice');
    const bob = await user(s.url, 'bob');
    const carol = await user(s.url, 'carol');
    const { id } = await alice.createGroup('Team', ['bob', 'carol']);
    await waitFor(() => view(bob, id) && view(carol, id));
    await say(alice, id, 'first');
    await reads(bob, id, 'first');
    const seq = threadOf(bob.getSnapshot(), id).messages.at(-1)!.seq;
    await bob.markRead(id, seq);
    await waitFor(async () => (await alice.seenBy(id, seq)).join() === 'bob', { what: 'seen by bob' });

    bob.typing(id);
    await waitFor(() => alice.getSnapshot().typing[id]?.includes('bob') && carol.getSnapshot().typing[id]?.includes('bob'), { what: 'bob typing, seen by both' });

    // The notice of "first" is dismissed by looking at the group; then carol mutes it.
    carol.setActiveConversation(id);
    carol.setActiveConversation(null);
    carol.setMuted(id, true);
    expect(carol.getSnapshot().muted[id]).toBe(true);
    await say(alice, id, 'muted chatter');
    await reads(carol, id, 'muted chatter');
    expect(carol.getSnapshot().notices.filter((n) => n.conversationId === id)).toEqual([]);
    await say(alice, id, 'ping @carol please');
    await reads(carol, id, 'ping @carol please');
    await waitFor(() => carol.getSnapshot().notices.find((n) => n.conversationId === id && n.mention), { what: 'a mention notice' });
  });

  test('a newcomer reads earlier messages only when the group shares its history', async () => {
    const s = await server();
    const alice = await user(s.url, 'alice');
    const bob = await user(s.url, 'bob');
    const carol = await user(s.url, 'carol');
    const dave = await user(s.url, 'dave');
    const hidden = (await alice.createGroup('Hidden', ['bob'])).id;
    const shared = (await alice.createGroup('Shared', ['bob'], { history: 'shared' })).id;
    await say(alice, hidden, 'before carol (hidden)');
    await say(alice, shared, 'before dave (shared)');
    await alice.addMembers(hidden, ['carol']);
    await alice.addMembers(shared, ['dave']);
    await waitFor(() => view(carol, hidden) && view(dave, shared), { what: 'the newcomers see their groups' });
    await say(bob, hidden, 'after carol');
    await say(bob, shared, 'after dave');
    await reads(carol, hidden, 'after carol');
    await reads(dave, shared, 'after dave');
    await carol.loadOlder(hidden).catch(() => false);
    await dave.loadOlder(shared).catch(() => false);
    expect(texts(carol, hidden)).not.toContain('before carol (hidden)');
    // Nor the lines from before her addition: her thread starts where her window does.
    expect(lines(carol, hidden, 'carol')).toEqual(['alice added you']);
    expect(memberNames(carol, hidden)).toEqual(['alice', 'bob', 'carol']);
    await reads(dave, shared, 'before dave (shared)');
    expect(lines(dave, shared, 'dave')[0]).toBe('alice created the group “Shared” with bob');
  });

  test('your group message turns seen once every other member read it: live, one readMarks per opening', async () => {
    const s = await server();
    const proxy = await startMaliciousProxy(s);
    proxies.push(proxy);
    const alice = await user(proxy.url, 'alice');
    const [bob, carol, dave] = [await user(s.url, 'bob'), await user(s.url, 'carol'), await user(s.url, 'dave')];
    const { id } = await alice.createGroup('Ticks', ['bob', 'carol']);
    await waitFor(() => view(bob, id) && view(carol, id));
    alice.setActiveConversation(id);
    const status = (text: string) => selectThread(alice.getSnapshot(), id, '').find((i) => i.body === text)?.status;
    const readBy = async (c: ParleyClient, text: string) => {
      await reads(c, id, text);
      await c.markRead(id);
      const seq = threadOf(c.getSnapshot(), id).messages.find((m) => m.body === text)!.seq;
      await waitFor(() => (alice.getSnapshot().readMarks[id]?.[c.getSnapshot().session!.username] ?? 0) >= seq, { what: `alice hears that ${text} was read` });
    };

    await say(alice, id, 'one');
    expect(status('one')).toBe('sent');
    await readBy(bob, 'one');
    expect(status('one')).toBe('sent');
    await readBy(carol, 'one');
    expect(status('one')).toBe('seen');

    // dave joins a group that hides its history: he cannot read "one", so it stays seen; "two" waits for him too.
    await alice.addMembers(id, ['dave']);
    await waitFor(() => memberNames(alice, id)?.includes('dave') && view(dave, id));
    expect(status('one')).toBe('seen');
    await say(alice, id, 'two');
    await readBy(bob, 'two');
    await readBy(carol, 'two');
    expect(status('two')).toBe('sent');
    await readBy(dave, 'two');
    expect(status('two')).toBe('seen');

    // All of it from one readMarks, asked when alice opened the group; `read` events did the rest.
    const asked = () => proxy.seen.filter((x) => x.direction === 'toServer' && x.frame.type === 'readMarks').length;
    expect(asked()).toBe(1);
    alice.setActiveConversation(null);
    alice.setActiveConversation(id);
    await new Promise((r) => setTimeout(r, 200));
    expect(asked()).toBe(1);
  });

  test('sendTo a direct conversation by id sends it to the peer, with `to`', async () => {
    const s = await server();
    const proxy = await startMaliciousProxy(s);
    proxies.push(proxy);
    const alice = await user(s.url, 'alice');
    const bob = await user(proxy.url, 'bob');
    alice.send('bob', 'hi bob');
    await waitFor(() => bob.getSnapshot().conversations.some((c) => c.kind === 'direct'), { timeoutMs: 10_000, what: 'bob has the conversation' });
    const direct = bob.getSnapshot().conversations.find((c) => c.kind === 'direct')!;
    await say(bob, direct.id, 'hi alice');
    await reads(alice, direct.id, 'hi alice');
    const sent = proxy.seen.find((x) => x.direction === 'toServer' && x.frame.type === 'send');
    expect(sent?.frame).toMatchObject({ to: 'alice' });
    expect(sent?.frame).not.toHaveProperty('conversationId');
  });

  test('a group send whose ack is lost is sent again from the stored outbox and stored once', async () => {
    const s = await server();
    const proxy = await startMaliciousProxy(s);
    proxies.push(proxy);
    const storage = memoryStorage();
    const alice = await user(proxy.url, 'alice', { storage, keyStorage: storage });
    const bob = await user(s.url, 'bob');
    const { id } = await alice.createGroup('Dedupe', ['bob']);
    await waitFor(() => view(bob, id));
    // The server stores alice's message, but its ack never reaches her; she closes with it still in her outbox.
    let dropped = false;
    proxy.toClient((frame, link) => {
      if (frame.type === 'ok' && link.requestOf(frame)?.type === 'send' && !dropped) {
        dropped = true;
        return null;
      }
      return frame;
    });
    const entry = alice.sendTo(id, 'exactly once');
    await waitFor(() => dropped, { what: 'the ack dropped' });
    await reads(bob, id, 'exactly once');
    await alice.exit();
    expect(storage.getItem(STORAGE_KEYS.outbox('alice'))).toContain(entry.clientMsgId);
    // Her next start resends it with the same clientMsgId: the server answers with the original, stores nothing new.
    const again = new ParleyClient({ url: proxy.url, WebSocket, storage, keyStorage: storage, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000 });
    clients.push(again);
    await again.connect();
    await waitFor(() => again.getSnapshot().outbox.length === 0, { timeoutMs: 15_000, what: 'the resend acked' });
    const sends = proxy.seen.filter((x) => x.direction === 'toServer' && x.frame.type === 'send' && x.frame.clientMsgId === entry.clientMsgId);
    expect(sends).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(texts(bob, id).filter((t) => t === 'exactly once')).toHaveLength(1);
    const seqs = threadOf(bob.getSnapshot(), id).messages.map((m) => m.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
