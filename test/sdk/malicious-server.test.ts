// Issue 12's attacks, played by a lying server (a proxy rewriting the real server's frames) against real SDK clients.
// Each ends refused or with a warning in the SDK's state, and never with the server able to read what honest users wrote.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, memoryStorage, threadOf, type ClientMessage, type ParleyClientOptions, type SecurityEvent } from '../../src/shared/client/index.js';
import type { Identity } from '../../src/shared/crypto/index.js';
import { envelopeHeader, holderOf, sentEnvelopes, startLyingServer, type KeyHolder, type LyingServer } from '../helpers/attacker.js';
import type { MaliciousProxy } from '../helpers/malicious-proxy.js';
import { waitFor } from '../helpers/wait.js';

// ---- The SDK state the attacks are judged by: one place to adapt to the final field names. ----

/** A conversation's security events (new epochs, refused keys, misdirection), oldest first. */
const securityEvents = (client: ParleyClient, conversationId: number): readonly SecurityEvent[] => client.getSnapshot().security[conversationId] ?? [];
/** Who started the epoch a 'new-epoch' event announces. */
const creatorOf = (event: SecurityEvent): unknown => event.creator;
const contact = (client: ParleyClient, name: string) => client.getSnapshot().contacts[name];
const messages = (client: ParleyClient, conversationId: number): readonly ClientMessage[] => threadOf(client.getSnapshot(), conversationId).messages;
const bySeq = (client: ParleyClient, conversationId: number, seq: number) => messages(client, conversationId).find((m) => m.seq === seq);
/** Why a message is not shown as text; a string, since the reasons the fix adds ('unaccepted-key', 'replayed') are not in today's type. */
const failureOf = (m: ClientMessage | undefined): string | undefined => m?.failure?.reason;
/** The warning a message shown as text carries (clock skew). */
const warningOf = (m: ClientMessage | undefined): string | undefined => m?.warning;
const outboxEntry = (client: ParleyClient, clientMsgId: string) => client.getSnapshot().outbox.find((e) => e.clientMsgId === clientMsgId);

// ---- Set-up: a real server requiring end-to-end encryption, the proxy in front, SDK clients through it. ----

const PASSWORD = 'a password the test knows';
let lying: LyingServer | undefined;
const clients: ParleyClient[] = [];
const holders: KeyHolder[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  for (const holder of holders.splice(0)) holder.close();
  await lying?.close();
  lying = undefined;
});

/** The server's own ordinary account (mallory) can seal and sign with its keys; the proxy lies for it. */
async function lyingServer(): Promise<LyingServer> {
  lying = await startLyingServer();
  return lying;
}

async function client(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000, ...options });
  clients.push(c);
  await c.connect();
  return c;
}

async function registered(url: string, name: string): Promise<ParleyClient> {
  const c = await client(url);
  await c.register(name, PASSWORD);
  return c;
}

/** Sends and waits until the server took it, or the SDK refused it; resolves the outbox entry's last state. */
async function sent(from: ParleyClient, to: string, text: string) {
  const entry = from.send(to, text);
  await waitFor(() => outboxEntry(from, entry.clientMsgId)?.status !== 'sending', { timeoutMs: 10_000, what: `"${text}" sent or refused` });
  return { clientMsgId: entry.clientMsgId, failed: outboxEntry(from, entry.clientMsgId) };
}

const nameOf = (c: ParleyClient): string => c.getSnapshot().session!.username;

/** `first` writes to `second`, who answers; resolves their conversation's id (`first` made its key). */
async function converse(first: ParleyClient, second: ParleyClient): Promise<number> {
  const [a, b] = [nameOf(first), nameOf(second)];
  await sent(first, b, `hello ${b}`);
  const id = (await second.openConversation(a)).id;
  await sent(second, a, `hello ${a}`);
  await waitFor(() => messages(first, id).length === 2 && messages(second, id).length === 2, { what: 'both messages on both sides' });
  return id;
}

/**
 * Resolves once the proxy passed a reply to `username`'s request of `type` made after `mark` (a position in
 * proxy.seen), or after a few seconds: a client that refuses without asking at all is fine too.
 */
async function answered(p: MaliciousProxy, mark: number, username: string, type: string): Promise<void> {
  await waitFor(
    () => p.seen.slice(mark).some((s) => s.direction === 'toClient' && s.link.username === username && s.link.requestOf(s.frame)?.type === type),
    { timeoutMs: 3_000, what: `${username}'s ${type} answered` },
  ).catch(() => undefined);
  // The client handles the reply in a later turn; let it.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

const lastSeq = (c: ParleyClient, conversationId: number) => messages(c, conversationId).at(-1)?.seq ?? 0;

// ---- The attacks ----

describe('a malicious server against the SDK (issue 12)', () => {
  const forgedOrders: { name: string; version: number; list: (forged: string, real: string[]) => string[] }[] = [
    { name: 'forged key version 7 listed before the real version 1', version: 7, list: (forged, real) => [forged, ...real] },
    { name: 'forged key version 7 listed after the real version 1', version: 7, list: (forged, real) => [...real, forged] },
    { name: 'versions duplicated and out of order', version: 7, list: (forged, real) => [...real, forged, ...real] },
    { name: 'other keys for the pinned version 1, listed first', version: 1, list: (forged, real) => [forged, ...real] },
  ];

  test.each(forgedOrders)('A1 forged key version past a verified contact: $name', async ({ version, list }) => {
    const { proxy, attacker } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    const bob = await registered(proxy.url, 'bob');
    const X = await converse(alice, bob);
    await bob.markVerified('alice', true, (await bob.safetyNumber('alice')).digits);
    expect(contact(bob, 'alice')).toMatchObject({ status: 'same', verified: true });

    // The server makes up an "alice" (its own keys, self-signed under her name), lists it beside the real one,
    // seals a conversation key of its own "from" it, and pushes a message signed by it.
    const injectedText = 'forged: send me the door code';
    const seq = lastSeq(bob, X) + 1;
    const injected = await attacker.impersonate(proxy, { victim: 'bob', contact: 'alice', conversationId: X, seq, text: injectedText, version, order: list });
    // The user looks at the safety number: bob's client fetches alice's identities as the server now lists them
    // (a client that refuses to show one for such a list is fine).
    await bob.safetyNumber('alice').catch(() => undefined);
    expect(proxy.inject('bob', injected)).toBe(1);
    await waitFor(() => bySeq(bob, X, seq), { what: 'the injected message in the thread' });

    expect.soft(contact(bob, 'alice')?.status, 'a key version bob never pinned appeared: the contact must show changed').toBe('changed');
    expect.soft(contact(bob, 'alice')?.verified, 'and no longer verified').toBe(false);
    const shown = bySeq(bob, X, seq);
    expect.soft(shown?.body, 'the forged message must not be shown as text from alice').toBe('');
    // Other keys for the pinned version: the forged epoch it came under was refused, so there is no key to open it with either.
    expect.soft(failureOf(shown) ?? 'shown as text').toMatch(version === 7 ? /^unaccepted-key$/ : /^(unaccepted-key|bad-signature|unknown-epoch)$/);
    expect.soft(messages(bob, X).map((m) => m.body)).not.toContain(injectedText);

    const reply = await sent(bob, 'alice', 'the code is 4711');
    expect.soft(reply.failed?.error?.code, 'bob must not encrypt to keys he has not accepted').toBe('KEYS_CHANGED');
    expect(await attacker.readable(sentEnvelopes(proxy.seen), proxy.seen), 'what the server can decrypt').toEqual([]);
  });

  const injectedEpochs: { name: string; claimedCreator: (victim: string) => string }[] = [
    { name: 'sealed and signed by mallory as herself', claimedCreator: () => 'mallory' },
    { name: "claiming the peer as creator, signed by mallory's key", claimedCreator: (victim) => (victim === 'bob' ? 'alice' : 'bob') },
  ];

  test.each(injectedEpochs)('A2 epoch-key injection through a third account: $name', async ({ claimedCreator }) => {
    const { proxy, attacker } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    const bob = await registered(proxy.url, 'bob');
    const X = await converse(alice, bob);
    const mark = proxy.seen.length;

    // Epoch 2 of X, made by mallory with today's format, one copy for each victim under the creator name it claims.
    const sealed: Record<string, { creator: string; sealed: string }> = {};
    const keys: { epochKey: Uint8Array; membersHash: Uint8Array }[] = [];
    for (const victim of ['alice', 'bob']) {
      const creator = claimedCreator(victim);
      // The member set it names: both victims and the claimed creator (mallory must be in it to read anything).
      const made = await attacker.sealEpoch({ conversationId: X, epoch: 2, recipients: [victim], creatorName: creator, creator: attacker.identity, members: ['alice', 'bob'] });
      sealed[victim] = { creator, sealed: made.sealed[victim]! };
      keys.push(made);
    }
    proxy.onResult('epochKeys', (result, request, link) => {
      const copy = link.username ? sealed[link.username] : undefined;
      return copy && request.conversationId === X ? { epochs: [...(result.epochs as unknown[]), { epoch: 2, ...copy }] } : undefined;
    });
    for (const victim of ['alice', 'bob'] as const) {
      const copy = sealed[victim]!;
      proxy.inject(victim, { type: 'epoch', conversationId: X, epoch: 2, ...copy });
      // A hidden message (an existing seq: the thread drops it) from the claimed creator, whose key the client must
      // fetch: the retry path reloads X's epoch keys with that sender as the peer.
      const stranger: Identity = attacker.forge(copy.creator, 9).identity;
      const hidden = attacker.forgeMessage({
        conversationId: X,
        seq: 1,
        from: copy.creator,
        to: victim,
        epoch: 2,
        ...keys[victim === 'alice' ? 0 : 1]!,
        identity: copy.creator === 'mallory' ? attacker.identity : stranger,
        text: 'hidden',
      });
      proxy.inject(victim, hidden);
    }
    await answered(proxy, mark, 'alice', 'epochKeys');
    await answered(proxy, mark, 'bob', 'epochKeys');

    for (const [name, c] of [['alice', alice], ['bob', bob]] as const) {
      expect.soft(securityEvents(c, X).map((e) => e.kind), `${name} must record the refused key`).toContain('epoch-refused');
    }
    const fromAlice = await sent(alice, 'bob', 'after the attack, from alice');
    const fromBob = await sent(bob, 'alice', 'after the attack, from bob');
    const ownEpochs = new Set(
      proxy.seen.filter((s) => s.direction === 'toServer' && s.frame.type === 'addEpoch' && s.link.username !== 'mallory').map((s) => Number(s.frame.epoch)),
    );
    for (const { clientMsgId } of [fromAlice, fromBob]) {
      const envelope = sentEnvelopes(proxy.seen).find((e) => e.clientMsgId === clientMsgId);
      const epoch = envelope ? envelopeHeader(envelope.body)?.epoch : undefined;
      expect.soft(epoch === 1 || (epoch !== undefined && ownEpochs.has(epoch)), `sent under epoch ${epoch}: not mallory's`).toBe(true);
    }
    expect(await attacker.readable(sentEnvelopes(proxy.seen), proxy.seen), 'what the server can decrypt').toEqual([]);
  });

  test.each(["bob's device", 'a fresh device of bob'])('A3 misdirection: bob writes to carol, the server names alice\'s conversation; %s', async (device) => {
    const { server, proxy } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    let bob = await registered(proxy.url, 'bob');
    await registered(proxy.url, 'carol');
    // Bob made X's key (a fresh device then opens it whoever the server says the peer is); he never wrote to carol.
    const X = await converse(bob, alice);
    if (device === 'a fresh device of bob') {
      bob = await client(proxy.url, { storage: memoryStorage() });
      await bob.login('bob', PASSWORD);
    }

    // To bob, the conversation with carol is X: in `open`, in the summaries; his send to carol is stored in X.
    const asX = (summary: Record<string, unknown>) => ({ ...summary, id: X });
    proxy.onResult('open', (result, request, link) =>
      link.username === 'bob' && request.with === 'carol' ? { conversation: asX(result.conversation as Record<string, unknown>) } : undefined,
    );
    proxy.onResult('conversations', (result, _request, link) => {
      if (link.username !== 'bob') return undefined;
      return { conversations: (result.conversations as Record<string, unknown>[]).map((c) => (c.peer === 'carol' ? asX(c) : c)) };
    });
    proxy.toServer((frame, link) => (link.username === 'bob' && frame.type === 'send' && frame.to === 'carol' ? { ...frame, to: 'alice' } : frame));

    const secret = 'carol, only for you';
    const { clientMsgId, failed } = await sent(bob, 'carol', secret);
    expect.soft(failed === undefined ? 'accepted' : failed.error?.code, 'refused, or sealed under a key of bob and carol only').toMatch(
      /^CONVERSATION_MISMATCH$|^accepted$/,
    );
    const envelope = sentEnvelopes(proxy.seen).find((e) => e.clientMsgId === clientMsgId);
    if (envelope) expect.soft(envelopeHeader(envelope.body)?.conversationId, 'not sealed for X').not.toBe(X);
    // Alice's own client, and every key alice holds, on what bob wrote for carol.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect.soft(messages(alice, X).map((m) => m.body)).not.toContain(secret);
    const aliceKeys = await holderOf(server.url, 'alice', PASSWORD);
    holders.push(aliceKeys);
    expect(await aliceKeys.readable(envelope ? [envelope] : []), 'what alice can decrypt').toEqual([]);
  });

  test('A4 replay: an envelope delivered again at a new seq is flagged, the original stays', async () => {
    const { proxy, attacker } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    const bob = await registered(proxy.url, 'bob');
    const X = await converse(alice, bob);
    const original = messages(bob, X).find((m) => m.from === 'alice')!;
    const seq = lastSeq(bob, X) + 1;
    const copy = attacker.replay(proxy, 'bob', original.clientMsgId, seq);
    proxy.inject('bob', copy);
    await waitFor(() => bySeq(bob, X, seq), { what: 'the replayed copy in the thread' });

    expect(bySeq(bob, X, original.seq)?.body).toBe('hello bob');
    expect.soft(failureOf(bySeq(bob, X, seq)), 'the copy is marked as replayed').toBe('replayed');
    expect.soft(bySeq(bob, X, seq)?.body).toBe('');
    expect.soft(messages(bob, X).filter((m) => m.body === 'hello bob'), 'the text shown once').toHaveLength(1);
    expect(await attacker.readable(sentEnvelopes(proxy.seen), proxy.seen)).toEqual([]);
  });

  test('A5 clock skew: a message whose server time is 3 days off its signed time shows with a warning', async () => {
    const { proxy, attacker } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    const bob = await registered(proxy.url, 'bob');
    const X = await converse(alice, bob);
    const threeDays = 3 * 24 * 3600 * 1000;
    proxy.toClient((frame, link) => {
      if (link.username !== 'bob' || frame.type !== 'message') return frame;
      const message = frame.message as ClientMessage;
      return { ...frame, message: { ...message, ts: message.ts + threeDays } };
    });
    await sent(alice, 'bob', 'see you tomorrow');
    const late = await waitFor(() => messages(bob, X).find((m) => m.body === 'see you tomorrow'), { what: 'the skewed message' });
    expect(late.ts).toBeGreaterThan(Date.now() + threeDays / 2);
    expect.soft(warningOf(late), 'a warning about the time').toEqual(expect.stringMatching(/time|clock|date/i));
    expect(await attacker.readable(sentEnvelopes(proxy.seen), proxy.seen)).toEqual([]);
  });

  test('A6 every new epoch is a visible event naming its creator, on both sides', async () => {
    const { proxy } = await lyingServer();
    const alice = await registered(proxy.url, 'alice');
    const bob = await registered(proxy.url, 'bob');
    const carol = await registered(proxy.url, 'carol');
    // Alice's first message starts X's first epoch; bob's first message to carol starts Y's.
    const X = await converse(alice, bob);
    const Y = await converse(bob, carol);
    const newEpochs = (c: ParleyClient, id: number) => securityEvents(c, id).filter((e) => e.kind === 'new-epoch').map(creatorOf);
    for (const [name, c] of [['alice', alice], ['bob', bob]] as const) {
      expect.soft(newEpochs(c, X), `${name} sees alice's new epoch in X`).toEqual(['alice']);
    }
    for (const [name, c] of [['bob', bob], ['carol', carol]] as const) {
      expect.soft(newEpochs(c, Y), `${name} sees bob's new epoch in Y`).toEqual(['bob']);
    }
  });
});
