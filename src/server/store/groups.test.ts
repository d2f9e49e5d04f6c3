// The SQLite store's groups on a real file: creation, the membership chain kept linked, member rows, one row per group send, and nothing half-way.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { makeUser, type TestUser } from '../../../test/crypto/fixtures.js';
import { tempDir } from '../../../test/helpers/temp.js';
import {
  GENESIS_PREV,
  MAX_GROUP_MEMBERS,
  membershipChangeHash,
  newGroupId,
  signMembershipChange,
  type ChangeAction,
  type ChangeTarget,
  type MembershipChange,
} from '../../shared/crypto/index.js';
import { SqliteStore } from './sqlite.js';
import type { GroupMemberInput, GroupRole, NewGroup } from './store.js';

let store: SqliteStore;
let ids: Record<string, number>;
const people = Object.fromEntries(['alice', 'bob', 'carol', 'dave', 'mallory'].map((name) => [name, makeUser(name)])) as Record<string, TestUser>;

beforeEach(async () => {
  store = new SqliteStore({ file: path.join(tempDir('parley-groups-'), 'parley.db'), checkpointInWorker: false });
  ids = {};
  for (const name of Object.keys(people)) ids[name] = (await store.createUser(name, 'hash', 1)).id;
});
afterEach(async () => {
  await store.close();
});

const target = (name: string, role: GroupRole = 'member'): ChangeTarget => ({ username: name, keyVersion: 1, role });
const member = (name: string, role: GroupRole = 'member'): GroupMemberInput => ({ userId: ids[name]!, role });

/** A signed change after `prev` (undefined: the first), as a client makes it; the store reads only its group, index and prev. */
function change(groupId: string, prev: string | undefined, index: number, by: string, action: ChangeAction, targets: ChangeTarget[] = [], over: Partial<MembershipChange> = {}): string {
  const base: MembershipChange = {
    groupId,
    index,
    prev: prev === undefined ? GENESIS_PREV : membershipChangeHash(prev)!,
    actor: by,
    actorKeyVersion: 1,
    action,
    targets,
    name: 'club',
    history: 'hidden',
    ts: 1_764_400_000_000 + index,
    ...over,
  };
  return signMembershipChange(base, people[by]!.identity);
}

/** alice's group "club" with bob (admin) and carol, as createGroup gets it. */
function clubOf(groupId = newGroupId()): NewGroup {
  const first = change(groupId, undefined, 0, 'alice', 'create', [target('alice', 'owner'), target('bob', 'admin'), target('carol')]);
  return { groupId, name: 'club', sharesHistory: false, members: [member('alice', 'owner'), member('bob', 'admin'), member('carol')], change: first, now: 5 };
}

async function createClub() {
  const group = clubOf();
  const created = await store.createGroup(group);
  if (typeof created === 'string') throw new Error(`createGroup refused: ${created}`);
  return { ...group, conversationId: created.conversationId, first: group.change };
}

/** Every row a group write may touch, to compare before and after a refusal or a failed commit. */
const everything = () =>
  ['conversations', 'conversation_members', 'membership_changes', 'messages'].map((table) => store.db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all());

const send = (name: string, conversationId: number, clientMsgId: string) => ({ senderId: ids[name]!, from: name, clientMsgId, body: `body of ${clientMsgId}`, ts: 9, conversationId });
const directSend = (from: string, to: string, clientMsgId: string) => ({ senderId: ids[from]!, from, to, clientMsgId, body: clientMsgId, ts: 9 });

/**
 * Makes the COMMIT of every transaction that inserts into `table` fail, as a full disk does, until the returned
 * function is called: the trigger leaves a deferred reference to no user, which SQLite checks only at COMMIT.
 */
function failCommits(table: string): () => void {
  store.db.exec(`
    CREATE TABLE broken (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER break_commit AFTER INSERT ON ${table} BEGIN INSERT INTO broken VALUES (-1); END;`);
  return () => store.db.exec('DROP TRIGGER break_commit; DROP TABLE broken;');
}

describe('migration 11', () => {
  test('conversations admit groups without a pair, and the file is sound', () => {
    const { sql } = store.db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'conversations'").get() as { sql: string };
    expect(sql).toContain("CHECK (kind IN ('direct', 'group'))");
    expect(sql).toMatch(/user_lo INTEGER REFERENCES users\(id\),\s+user_hi INTEGER REFERENCES users\(id\)/);
    expect(() => store.db.prepare("INSERT INTO conversations (kind, created_at) VALUES ('channel', 1)").run()).toThrow(/CHECK constraint failed/);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
  });
});

describe('creating a group', () => {
  test('stores the conversation, its members with their roles and the first change together', async () => {
    const club = await createClub();
    expect(await store.groupMembers(club.conversationId)).toEqual([
      { userId: ids.alice, username: 'alice', role: 'owner', joinedCursor: 0 },
      { userId: ids.bob, username: 'bob', role: 'admin', joinedCursor: 0 },
      { userId: ids.carol, username: 'carol', role: 'member', joinedCursor: 0 },
    ]);
    expect(await store.membershipChanges(club.conversationId)).toEqual([club.first]);
    expect(await store.peersOf(ids.carol!, club.conversationId)).toEqual([ids.alice, ids.bob]);
    expect(await store.peersOf(ids.mallory!, club.conversationId)).toBeUndefined();
    expect(store.db.prepare('SELECT kind, user_lo, user_hi, name, shares_history FROM conversations WHERE id = ?').get(club.conversationId)).toEqual({
      kind: 'group',
      user_lo: null,
      user_hi: null,
      name: 'club',
      shares_history: 0,
    });
  });

  test('a first change for another group or place, a taken group id, too many members or an unknown one: refused, nothing stored', async () => {
    const club = await createClub();
    const before = everything();
    const other = clubOf();
    expect(await store.createGroup({ ...other, change: change(other.groupId, club.first, 1, 'alice', 'add', [target('dave')]) })).toBe('bad-change');
    expect(await store.createGroup({ ...other, groupId: newGroupId() })).toBe('bad-change');
    expect(await store.createGroup(club)).toBe('group-exists');
    const crowd = Array.from({ length: MAX_GROUP_MEMBERS + 1 }, (_, i) => ({ userId: i + 1, role: 'member' as const }));
    expect(await store.createGroup({ ...other, members: crowd })).toBe('too-many-members');
    expect(await store.createGroup({ ...other, members: [...other.members, { userId: 999, role: 'member' }] })).toBe('unknown-member');
    expect(await store.createGroup({ ...other, members: [...other.members, member('carol')] })).toBe('unknown-member');
    expect(everything()).toEqual(before);
    expect(typeof (await store.createGroup(other))).toBe('object');
  });

  test('a creation whose commit failed leaves nothing, caches included; the next conversation and the retry are sound', async () => {
    const group = clubOf();
    const before = everything();
    const cleared = failCommits('membership_changes');
    await expect(store.createGroup(group)).rejects.toThrow(/FOREIGN KEY constraint failed/);
    cleared();
    expect(everything()).toEqual(before);
    // dave and mallory's conversation takes the id the group would have had: it is a direct conversation, nothing else.
    const direct = await store.openDirect(ids.dave!, ids.mallory!, 6);
    expect(await store.appendMessages([send('dave', direct, 'g1')])).toEqual([{ message: null, notMember: true }]);
    const [sent] = await store.appendMessages([directSend('dave', 'mallory', 'd1')]);
    expect(sent?.message).toMatchObject({ conversationId: direct, seq: 1 });
    const created = await store.createGroup(group);
    expect(created).toEqual({ conversationId: expect.any(Number) });
    expect(await store.membershipChanges((created as { conversationId: number }).conversationId)).toEqual([group.change]);
  });
});

describe('the membership chain', () => {
  test('a change is stored only as the next one: its index and its prev follow the stored head', async () => {
    const club = await createClub();
    const c1 = change(club.groupId, club.first, 1, 'bob', 'add', [target('dave')]);
    const update = { conversationId: club.conversationId, index: 1, change: c1, members: [...club.members, member('dave')], name: 'club', sharesHistory: false, now: 7 };
    const before = everything();
    expect(await store.appendMembershipChange({ ...update, index: 2 })).toBe('bad-change');
    expect(await store.appendMembershipChange({ ...update, index: 2, change: change(club.groupId, club.first, 2, 'bob', 'add', [target('dave')]) })).toBe('conflict');
    const forked = change(club.groupId, c1, 1, 'bob', 'add', [target('dave')]);
    expect(await store.appendMembershipChange({ ...update, change: forked })).toBe('conflict');
    const otherGroup = change(newGroupId(), club.first, 1, 'bob', 'add', [target('dave')]);
    expect(await store.appendMembershipChange({ ...update, change: otherGroup })).toBe('bad-change');
    expect(await store.appendMembershipChange({ ...update, change: 'mc1.nonsense' })).toBe('bad-change');
    const direct = await store.openDirect(ids.alice!, ids.bob!, 7);
    const afterOpen = everything();
    expect(await store.appendMembershipChange({ ...update, conversationId: direct })).toBe('not-a-group');
    expect(await store.appendMembershipChange({ ...update, members: [...update.members, { userId: 999, role: 'member' }] })).toBe('unknown-member');
    expect(everything()).toEqual(afterOpen);
    expect(before[2]).toEqual(afterOpen[2]);

    expect(await store.appendMembershipChange(update)).toBe('appended');
    // A second change raced to the same index: the loser is refused, and nothing of it is stored.
    const rival = change(club.groupId, club.first, 1, 'alice', 'rename', [], { name: 'rivals' });
    expect(await store.appendMembershipChange({ ...update, change: rival, name: 'rivals' })).toBe('conflict');
    expect(await store.membershipChanges(club.conversationId)).toEqual([club.first, c1]);
    expect(await store.membershipChanges(club.conversationId, 1)).toEqual([c1]);
  });

  test('member rows follow each change: newcomers read from their joining on, leavers keep a row that ends their reading', async () => {
    const club = await createClub();
    const [first] = await store.appendMessages([send('alice', club.conversationId, 'before-dave')]);
    const c1 = change(club.groupId, club.first, 1, 'alice', 'add', [target('dave')]);
    const members = [member('alice', 'owner'), member('bob'), member('dave')];
    expect(await store.appendMembershipChange({ conversationId: club.conversationId, index: 1, change: c1, members, name: 'book club', sharesHistory: false, now: 7 })).toBe('appended');
    expect(await store.groupMembers(club.conversationId)).toEqual([
      { userId: ids.alice, username: 'alice', role: 'owner', joinedCursor: 0 },
      { userId: ids.bob, username: 'bob', role: 'member', joinedCursor: 0 },
      { userId: ids.dave, username: 'dave', role: 'member', joinedCursor: first!.message!.cursor },
    ]);
    const rows = store.db.prepare('SELECT user_id AS id, read_seq, left_cursor FROM conversation_members WHERE conversation_id = ? ORDER BY 1').all(club.conversationId);
    expect(rows).toEqual([
      { id: ids.alice, read_seq: 0, left_cursor: null },
      { id: ids.bob, read_seq: 0, left_cursor: null },
      { id: ids.carol, read_seq: 0, left_cursor: first!.message!.cursor },
      { id: ids.dave, read_seq: 1, left_cursor: null },
    ]);
    expect(store.db.prepare('SELECT name FROM conversations WHERE id = ?').get(club.conversationId)).toEqual({ name: 'book club' });
    expect(await store.peersOf(ids.carol!, club.conversationId)).toBeUndefined();
    expect((await store.contactIds(ids.dave!)).sort()).toEqual([ids.alice, ids.bob].sort());
    expect(await store.contactIds(ids.carol!)).toEqual([]);

    // carol comes back, in a group that now shares its history: she reads it all again, with nothing unread.
    const c2 = change(club.groupId, c1, 2, 'alice', 'add', [target('carol')], { history: 'shared' });
    const back = { conversationId: club.conversationId, index: 2, change: c2, members: [...members, member('carol')], name: 'book club', sharesHistory: true, now: 8 };
    expect(await store.appendMembershipChange(back)).toBe('appended');
    expect(store.db.prepare('SELECT joined_cursor, left_cursor, read_seq FROM conversation_members WHERE user_id = ? AND conversation_id = ?').get(ids.carol, club.conversationId)).toEqual({
      joined_cursor: 0,
      left_cursor: null,
      read_seq: 1,
    });
  });

  test('a change whose commit failed leaves the members as they were, in the database and in the caches', async () => {
    const club = await createClub();
    const c1 = change(club.groupId, club.first, 1, 'alice', 'remove', [target('carol')]);
    const update = { conversationId: club.conversationId, index: 1, change: c1, members: [member('alice', 'owner'), member('bob', 'admin')], name: 'club', sharesHistory: false, now: 7 };
    await store.appendMessages([send('carol', club.conversationId, 'c1')]);
    const before = everything();
    const cleared = failCommits('membership_changes');
    await expect(store.appendMembershipChange(update)).rejects.toThrow(/FOREIGN KEY constraint failed/);
    cleared();
    expect(everything()).toEqual(before);
    const [still] = await store.appendMessages([send('carol', club.conversationId, 'c2')]);
    expect(still).toMatchObject({ message: { seq: 2 }, memberIds: [ids.alice, ids.bob, ids.carol] });

    expect(await store.appendMembershipChange(update)).toBe('appended');
    expect(await store.appendMessages([send('carol', club.conversationId, 'c3')])).toEqual([{ message: null, notMember: true }]);
  });
});

describe('sending to a group', () => {
  test('one stored row per send, whatever the member count, and the current members to push it to', async () => {
    const club = await createClub();
    const count = () => (store.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    const [first, second] = await store.appendMessages([send('bob', club.conversationId, 'm1'), send('carol', club.conversationId, 'm2')]);
    expect(count()).toBe(2);
    expect(first).toEqual({
      message: { cursor: expect.any(Number), conversationId: club.conversationId, seq: 1, from: 'bob', clientMsgId: 'm1', body: 'body of m1', ts: 9 },
      memberIds: [ids.alice, ids.bob, ids.carol],
      duplicate: false,
    });
    expect(second?.message).toMatchObject({ seq: 2, from: 'carol' });
    expect(store.db.prepare('SELECT recipient_id FROM messages WHERE client_msg_id = ?').get('m1')).toEqual({ recipient_id: 0 });

    const [resent] = await store.appendMessages([send('bob', club.conversationId, 'm1')]);
    expect(resent).toEqual({ ...first, duplicate: true });
    expect(count()).toBe(2);
  });

  test('a clientMsgId used in a group and again in a direct send: the direct one is refused, the group resend gets the direct original', async () => {
    const club = await createClub();
    const [group] = await store.appendMessages([send('bob', club.conversationId, 'same')]);
    // Typed as a direct result: the store never answers a direct send with a group message.
    expect(await store.appendMessages([directSend('bob', 'alice', 'same')])).toEqual([{ message: null, misdirected: true }]);
    const [direct] = await store.appendMessages([directSend('bob', 'alice', 'other')]);
    const [resent] = await store.appendMessages([send('bob', club.conversationId, 'other')]);
    expect(resent).toEqual({ ...direct, duplicate: true });
    expect(group).toMatchObject({ duplicate: false, message: { clientMsgId: 'same' } });
    expect(store.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 2 });
  });

  test('a non-member, a group that does not exist and a direct conversation are refused; direct sends in the same batch are not disturbed', async () => {
    const club = await createClub();
    const direct = await store.openDirect(ids.alice!, ids.mallory!, 6);
    const results = await store.appendMessages([
      send('mallory', club.conversationId, 'x1'),
      directSend('alice', 'mallory', 'd1'),
      send('alice', 9999, 'x2'),
      send('alice', direct, 'x3'),
      send('alice', club.conversationId, 'g1'),
      directSend('mallory', 'alice', 'd2'),
    ]);
    expect(results.map((r) => (r.message === null ? r : r.message.seq))).toEqual([{ message: null, notMember: true }, 1, { message: null, notMember: true }, { message: null, notMember: true }, 1, 2]);
    expect(results[1]).toMatchObject({ recipientId: ids.mallory, duplicate: false, message: { to: 'mallory', conversationId: direct } });
  });

  test('a group send whose commit failed takes no seq; the next one gets it', async () => {
    const club = await createClub();
    const cleared = failCommits('messages');
    await expect(store.appendMessages([send('bob', club.conversationId, 'lost'), directSend('alice', 'bob', 'lost-too')])).rejects.toThrow(/FOREIGN KEY/);
    cleared();
    const [next] = await store.appendMessages([send('bob', club.conversationId, 'kept')]);
    expect(next?.message).toMatchObject({ seq: 1, clientMsgId: 'kept' });
    expect(store.db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 1 });
  });

  test('a roster read in a batch whose commit failed is not kept: the id goes to another conversation with other members', async () => {
    await createClub();
    const nextId = (store.db.prepare('SELECT max(id) + 1 AS id FROM conversations').get() as { id: number }).id;
    const cleared = failCommits('messages');
    // dave's first message to mallory makes their conversation; a group send in the same batch names its id.
    await expect(store.appendMessages([directSend('dave', 'mallory', 'd1'), send('dave', nextId, 'g1')])).rejects.toThrow(/FOREIGN KEY/);
    cleared();
    const other = await store.openDirect(ids.alice!, ids.carol!, 7);
    expect(other).toBe(nextId);
    expect(await store.peersOf(ids.dave!, other)).toBeUndefined();
    expect(await store.peersOf(ids.alice!, other)).toEqual([ids.carol]);
  });

  test('group messages reach the read paths: sync, the conversation list and the group summary', async () => {
    const club = await createClub();
    await store.appendMessages([send('alice', club.conversationId, 'g1'), directSend('alice', 'bob', 'd1'), send('bob', club.conversationId, 'g2')]);
    const synced = await store.messagesAfter(ids.bob!, 0, 10);
    expect(synced.map((m) => m.clientMsgId)).toEqual(['g1', 'd1', 'g2']);
    expect(synced.map((m) => m.to)).toEqual([undefined, 'bob', undefined]);
    expect((await store.conversations(ids.bob!)).map((c) => (c.kind === 'direct' ? c.peer : c.name))).toEqual(['club', 'alice']);
    expect(await store.conversation(ids.bob!, club.conversationId)).toMatchObject({ kind: 'group', lastSeq: 2, lastMessage: { clientMsgId: 'g2' }, chainLength: 1 });
  });
});
