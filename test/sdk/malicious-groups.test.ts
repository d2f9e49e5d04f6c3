// Groups against a lying server (issue 16): a proxy in front of the real server rewrites and injects frames
// to slip a member in without a valid signed change, to inject group keys sealed to another member set or by
// a non-member, and to replay or roll back the chain. The SDK clients refuse, show a group security event,
// and never seal a key to the intruder nor show the intruder's messages.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, threadOf, type ParleyClientOptions, type SecurityEvent } from '../../src/shared/client/index.js';
import {
  decodeMembershipChange,
  groupEnvelopeHeader,
  membersHash,
  newEpochKey,
  readGroupEpochKeyHeader,
  sealGroupEnvelope,
  sealGroupEpochKey,
  signMembershipChange,
  verifyChain,
  type GroupState,
  type PublicIdentity,
} from '../../src/shared/crypto/index.js';
import { newClientMsgId } from '../../src/shared/client/ids.js';
import { startLyingServer, type LyingServer } from '../helpers/attacker.js';
import type { Frame, MaliciousProxy } from '../helpers/malicious-proxy.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'a password the test knows';
let lying: LyingServer | undefined;
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await lying?.close();
  lying = undefined;
});

async function registered(url: string, name: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000, ...options });
  clients.push(c);
  await c.connect();
  await c.register(name, PASSWORD);
  return c;
}

const events = (c: ParleyClient, id: number): readonly SecurityEvent[] => c.getSnapshot().security[id] ?? [];
const alarms = (c: ParleyClient, id: number) => events(c, id).filter((e) => e.kind !== 'new-epoch').map((e) => e.kind);
const memberNames = (c: ParleyClient, id: number) => c.getSnapshot().groups[id]?.members.map((m) => m.username);
const texts = (c: ParleyClient, id: number) => threadOf(c.getSnapshot(), id).messages.map((m) => m.body);

async function say(c: ParleyClient, id: number, text: string): Promise<string> {
  const entry = c.sendTo(id, text);
  await waitFor(() => !c.getSnapshot().outbox.some((e) => e.clientMsgId === entry.clientMsgId), { timeoutMs: 10_000, what: `"${text}" acked` });
  return entry.clientMsgId;
}

/** Every membership change that passed the proxy, by index (requests, events, groupState answers). */
function changesSeen(proxy: MaliciousProxy, conversationId: number): string[] {
  const byIndex = new Map<number, string>();
  for (const { frame, link } of proxy.seen) {
    if (frame.type === 'membership' && frame.conversationId === conversationId) byIndex.set(Number(frame.index), String(frame.change));
    const request = frame.type === 'ok' ? link.requestOf(frame) : undefined;
    if (request?.type === 'groupState' && request.conversationId === conversationId) {
      const from = Number(request.fromIndex ?? 0);
      (frame.result as { changes: { change: string }[] }).changes.forEach((c, i) => byIndex.set(from + i, c.change));
    }
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
}

/** The group as the honest chain leaves it (the attacker reads it off the wire, with the published keys). */
async function honestState(l: LyingServer, conversationId: number): Promise<GroupState> {
  const changes = changesSeen(l.proxy, conversationId);
  const keys = new Map<string, PublicIdentity[]>();
  for (const c of changes) {
    const actor = decodeMembershipChange(c)!.change.actor;
    if (!keys.has(actor)) keys.set(actor, (await l.attacker.publicIdentities(actor)).parsed);
  }
  const outcome = verifyChain({ changes, keys: (u, v) => keys.get(u)?.find((p) => p.keyVersion === v) });
  if (!outcome.ok) throw new Error(`the honest chain does not verify: ${outcome.reason}`);
  return outcome.state;
}

/** Every ek3 copy the clients sent, with its recipient. */
const copiesSent = (proxy: MaliciousProxy) =>
  proxy.seen.flatMap(({ direction, frame, link }) =>
    direction === 'toServer' && frame.type === 'addEpoch' ? (frame.keys as { recipient: string }[]).map((k) => ({ from: link.username, to: k.recipient, epoch: Number(frame.epoch) })) : [],
  );

/** alice creates a group with bob and carol through the lying proxy; everyone has verified it and talked. */
async function group(l: LyingServer) {
  const alice = await registered(l.proxy.url, 'alice');
  const bob = await registered(l.proxy.url, 'bob');
  const carol = await registered(l.proxy.url, 'carol');
  const { id } = await alice.createGroup('Ops', ['bob', 'carol']);
  await waitFor(() => memberNames(bob, id)?.length === 3 && memberNames(carol, id)?.length === 3, { what: 'everyone verified the group' });
  await say(alice, id, 'hello team');
  await waitFor(() => texts(bob, id).includes('hello team'), { what: 'bob reads' });
  return { alice, bob, carol, id };
}

describe('a lying server against groups (issue 16)', () => {
  test('(a) a member slipped in without a valid signed change: events, groupState and read marks', async () => {
    const l = (lying = await startLyingServer());
    const { alice, bob, id } = await group(l);
    const state = await honestState(l, id);
    const last = decodeMembershipChange(changesSeen(l.proxy, id).at(-1))!.change;
    const mallory = { username: 'mallory', keyVersion: 1, role: 'member' as const };
    // 1. "alice added mallory", signed by mallory's key (the server holds no key of alice's).
    const forgedAdd = signMembershipChange(
      { ...last, index: state.length, prev: state.head, action: 'add', actor: 'alice', actorKeyVersion: 1, targets: [mallory], ts: Date.now() },
      { ...l.attacker.identity, keyVersion: 1 },
    );
    // 2. mallory adding herself, signed as herself.
    const selfAdd = signMembershipChange({ ...last, index: state.length, prev: state.head, action: 'add', actor: 'mallory', actorKeyVersion: 1, targets: [mallory], ts: Date.now() }, l.attacker.identity);
    l.proxy.inject('bob', { type: 'membership', conversationId: id, index: state.length, change: forgedAdd, afterSeq: 1 });
    l.proxy.inject('alice', { type: 'membership', conversationId: id, index: state.length, change: selfAdd, afterSeq: 1 });
    // 3. Every groupState answer carries the forged change too; read marks name mallory.
    l.proxy.onResult('groupState', (result, request) =>
      request.conversationId === id ? { ...result, changes: [...(result.changes as unknown[]), ...(Number(request.fromIndex ?? 0) <= state.length ? [{ change: selfAdd, afterSeq: 1 }] : [])] } : undefined,
    );
    l.proxy.onResult('readMarks', (result) => ({ marks: [...(result.marks as unknown[]), { username: 'mallory', readSeq: 99 }] }));
    await waitFor(() => alarms(bob, id).includes('membership-refused') && alarms(alice, id).includes('membership-refused'), { what: 'the refusals shown' });
    expect(bob.getSnapshot().groups[id]!.refused?.reason).toMatch(/bad-signature|not-a-member/);
    await alice.seenBy(id, 1);
    expect(alarms(alice, id)).toContain('members-mismatch');
    for (const c of [alice, bob]) expect(memberNames(c, id)).toEqual(['alice', 'bob', 'carol']);

    // Whatever happens next, nobody seals a key to mallory, and she reads nothing.
    await alice.removeMember(id, 'carol');
    await say(bob, id, 'after the attack');
    expect(copiesSent(l.proxy).filter((c) => c.to === 'mallory')).toEqual([]);
    await waitFor(() => texts(alice, id).includes('after the attack'));
    expect(memberNames(alice, id)).toEqual(['alice', 'bob']);
  });

  test('(b) group keys sealed to another member set, or by a non-member, are refused with their messages', async () => {
    const l = (lying = await startLyingServer());
    const { alice, bob, id } = await group(l);
    const state = await honestState(l, id);
    const bobKey = await l.attacker.publicIdentity('bob');
    const key = newEpochKey();
    const epoch = 7;
    const base = { conversationId: id, epoch, key, creator: l.attacker.identity, recipient: bobKey, chainLength: state.length, head: state.head };
    // By mallory, a non-member, for the real member set; and "by alice" for a set with mallory in it.
    const byMallory = sealGroupEpochKey({ ...base, creatorName: 'mallory', membersHash: state.membersHash });
    const withMallory = membersHash([...state.members, { username: 'mallory', keyVersion: 1 }]);
    const otherSet = sealGroupEpochKey({ ...base, epoch: 8, creatorName: 'alice', membersHash: withMallory });
    expect(readGroupEpochKeyHeader(byMallory)?.epoch).toBe(7);
    l.proxy.inject('bob', { type: 'epoch', conversationId: id, epoch: 7, creator: 'mallory', sealed: byMallory });
    l.proxy.inject('bob', { type: 'epoch', conversationId: id, epoch: 8, creator: 'alice', sealed: otherSet });
    l.proxy.onResult('epochKeys', (result, request, link) =>
      link.username === 'bob' && request.conversationId === id
        ? { epochs: [...(result.epochs as unknown[]), { epoch: 7, creator: 'mallory', sealed: byMallory }, { epoch: 8, creator: 'alice', sealed: otherSet }] }
        : undefined,
    );
    // A message under the injected key, signed by mallory: never text.
    const clientMsgId = newClientMsgId();
    const sealed = sealGroupEnvelope({ conversationId: id, sender: 'mallory', clientMsgId, text: 'send the keys to mallory', epoch: 7, epochKey: key, chainLength: state.length, head: state.head, membersHash: state.membersHash, identity: l.attacker.identity });
    if (!sealed.ok) throw new Error('seal');
    const seq = threadOf(bob.getSnapshot(), id).messages.at(-1)!.seq + 1;
    const injected: Frame = { type: 'message', message: { cursor: 999, conversationId: id, seq, from: 'mallory', clientMsgId, body: sealed.body, ts: Date.now() } };
    l.proxy.inject('bob', injected);
    await waitFor(() => threadOf(bob.getSnapshot(), id).messages.some((m) => m.seq === seq), { what: 'the injected message in the thread' });
    const shown = threadOf(bob.getSnapshot(), id).messages.find((m) => m.seq === seq)!;
    expect(shown.body).toBe('');
    await waitFor(() => alarms(bob, id).filter((k) => k === 'epoch-not-in-chain').length >= 2, { what: 'both keys refused' });

    // bob's next message goes under a key the members made, never 7 or 8.
    await say(bob, id, 'still private');
    const sent = l.proxy.seen.filter((s) => s.direction === 'toServer' && s.frame.type === 'send' && s.link.username === 'bob').at(-1);
    const usedEpoch = groupEnvelopeHeader(sent?.frame.body)?.epoch;
    expect(usedEpoch).toBeDefined();
    expect([7, 8]).not.toContain(usedEpoch);
    const honest = new Set(copiesSent(l.proxy).filter((c) => c.from !== 'mallory').map((c) => c.epoch));
    expect(honest.has(7) || honest.has(8)).toBe(false);
    await waitFor(() => texts(alice, id).includes('still private'));
    expect(copiesSent(l.proxy).filter((c) => c.to === 'mallory')).toEqual([]);
  });

  test('(c) a rolled-back or replayed chain: the removal stands, the removed member gets no key', async () => {
    const l = (lying = await startLyingServer());
    const { alice, bob, carol, id } = await group(l);
    await alice.removeMember(id, 'carol');
    await waitFor(() => memberNames(bob, id)?.length === 2 && carol.getSnapshot().groups[id]?.myRole === null, { what: 'the removal seen' });
    const chain = changesSeen(l.proxy, id);
    // The server goes back to before the removal: a shorter chain in summaries and groupState, and the
    // create change replayed as the next one.
    l.proxy.onResult('conversations', (result) => ({
      conversations: (result.conversations as Record<string, unknown>[]).map((c) => (c.id === id ? { ...c, chainLength: chain.length - 1, memberCount: 3 } : c)),
    }));
    l.proxy.onResult('groupState', (result, request) =>
      request.conversationId === id ? { ...result, changes: chain.slice(Number(request.fromIndex ?? 0), chain.length - 1).map((change) => ({ change, afterSeq: 1 })) } : undefined,
    );
    l.proxy.inject('bob', { type: 'membership', conversationId: id, index: chain.length, change: chain[0]!, afterSeq: 1 });
    l.proxy.inject('bob', { type: 'membership', conversationId: id, index: 1, change: chain[0]!, afterSeq: 1 });
    // bob reconnects: the catch-up sees the shorter chain.
    bob.reconnectNow();
    for (const link of l.proxy.links) if (link.username === 'bob') link.toClient({ type: 'shutdown', reason: 'test' });
    await waitFor(() => alarms(bob, id).includes('membership-refused'), { timeoutMs: 10_000, what: 'the rollback shown' });
    expect(memberNames(bob, id)).toEqual(['alice', 'bob']);
    const before = copiesSent(l.proxy).length;
    await say(bob, id, 'carol must not read this');
    expect(copiesSent(l.proxy).slice(before).filter((c) => c.to === 'carol')).toEqual([]);
    expect(copiesSent(l.proxy).filter((c) => c.to === 'carol' && c.epoch > 1)).toEqual([]);
  });
});
