// The "seen" mark on your own group messages: seen once every other current member who can read a message has
// read it; members who left and newcomers who cannot read it do not hold it back; the server's marks are capped
// at the messages that exist and taken only for members of the verified chain.
import { describe, expect, it } from 'vitest';
import type { GroupSummary, Message } from '../protocol.js';
import { applyGroupMarks, seenByOf } from './group-reads.js';
import type { MembershipLine } from './group-text.js';
import { applyMessages, applyRead, selectThread } from './merge.js';
import { initialState, type ClientState, type GroupView } from './state.js';

const ID = 7;

const line = (index: number, afterSeq: number, rest: Pick<MembershipLine, 'actor' | 'action'> & Partial<MembershipLine>): MembershipLine => ({
  index,
  afterSeq,
  targets: [],
  ts: 0,
  ...rest,
});

const CREATED = line(0, 0, { actor: 'alice', action: 'create', targets: ['bob', 'carol'], history: 'hidden', name: 'Team' });

function group(members: readonly string[], timeline: readonly MembershipLine[] = [CREATED]): GroupView {
  return {
    conversationId: ID,
    groupId: 'g',
    name: 'Team',
    history: 'hidden',
    members: members.map((username) => ({ username, role: username === 'alice' ? 'owner' : 'member' })),
    myRole: 'owner',
    timeline,
  };
}

const summary: GroupSummary = {
  id: ID,
  kind: 'group',
  groupId: 'g',
  name: 'Team',
  memberCount: 3,
  role: 'owner',
  lastSeq: 0,
  readSeq: 0,
  unread: 0,
  lastMessage: null,
  chainLength: 1,
};

const msg = (seq: number, from = 'alice'): Message => ({ cursor: seq, conversationId: ID, seq, from, clientMsgId: `c${seq}`, body: `m${seq}`, ts: seq });

/** alice's device: the group verified with `view`, messages 1..n (alice's unless named) in the thread. */
function device(view: GroupView, authors: readonly string[] = ['alice', 'alice', 'alice']): ClientState {
  const empty: ClientState = {
    ...initialState({ bodyMaxLength: 100, passwordMinLength: 8 }),
    session: { username: 'alice', sessionId: 1 },
    conversations: [summary],
    groups: { [ID]: view },
  };
  return applyMessages(empty, authors.map((from, i) => msg(i + 1, from)), 'alice').state;
}

const read = (state: ClientState, reader: string, seq: number) => applyRead(state, ID, reader, seq, 'alice');
const statuses = (state: ClientState) => selectThread(state, ID, '').filter((i) => i.mine).map((i) => `${i.seq}:${i.status}`);

describe('group messages turn seen', () => {
  it('only when the last other member has read them', () => {
    let state = device(group(['alice', 'bob', 'carol']));
    expect(statuses(state)).toEqual(['1:sent', '2:sent', '3:sent']);
    state = read(state, 'bob', 3);
    expect(statuses(state)).toEqual(['1:sent', '2:sent', '3:sent']);
    state = read(state, 'carol', 2);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:sent']);
    state = read(state, 'carol', 3);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen']);
    expect(seenByOf(state, ID, 3)).toEqual({ names: ['bob', 'carol'], of: 2 });
  });

  it('from the readMarks answer as from events, and marks never go back', () => {
    let state = device(group(['alice', 'bob', 'carol']));
    state = applyGroupMarks(state, ID, [
      { username: 'alice', readSeq: 3 },
      { username: 'bob', readSeq: 3 },
      { username: 'carol', readSeq: 1 },
    ]);
    expect(statuses(state)).toEqual(['1:seen', '2:sent', '3:sent']);
    // An older answer arriving after a live event moves nothing back.
    state = read(state, 'carol', 3);
    state = applyGroupMarks(state, ID, [{ username: 'carol', readSeq: 1 }]);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen']);
  });

  it('not while the user is alone: nobody has seen it', () => {
    const state = device(group(['alice'], [line(0, 0, { actor: 'alice', action: 'create', history: 'hidden', name: 'Solo' })]));
    expect(statuses(state)).toEqual(['1:sent', '2:sent', '3:sent']);
    expect(seenByOf(state, ID, 1)).toEqual({ names: [], of: 0 });
  });

  it('waits for no one who left', () => {
    const removed = line(1, 2, { actor: 'alice', action: 'remove', targets: ['carol'] });
    let state = device(group(['alice', 'bob'], [CREATED, removed]));
    state = read(state, 'bob', 3);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen']);
    // Whatever the server says of carol since, she is no one here.
    state = read(state, 'carol', 3);
    expect(state.readMarks[ID]).toEqual({ bob: 3 });
  });

  it('a newcomer to a group that hides its history holds back only what follows their joining', () => {
    // dave was added after message 2: he cannot read 1 and 2, so they are seen once bob and carol read them.
    const added = line(1, 2, { actor: 'alice', action: 'add', targets: ['dave'] });
    let state = device(group(['alice', 'bob', 'carol', 'dave'], [CREATED, added]));
    state = read(read(state, 'bob', 3), 'carol', 3);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:sent']);
    expect(seenByOf(state, ID, 2)).toEqual({ names: ['bob', 'carol'], of: 2 });
    expect(seenByOf(state, ID, 3)).toEqual({ names: ['bob', 'carol'], of: 3 });
    state = read(state, 'dave', 3);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen']);
  });

  it('a message sent before anyone else could read it stays sent', () => {
    // alice wrote 1 alone in a hidden-history group; bob, added after it, can never read it.
    const solo = line(0, 0, { actor: 'alice', action: 'create', history: 'hidden', name: 'Team' });
    const added = line(1, 1, { actor: 'alice', action: 'add', targets: ['bob'] });
    const state = read(device(group(['alice', 'bob'], [solo, added])), 'bob', 3);
    expect(statuses(state)).toEqual(['1:sent', '2:seen', '3:seen']);
  });

  it('a newcomer to a group that shares its history can read it all, and joins with nothing unread', () => {
    const shared = line(1, 1, { actor: 'alice', action: 'set-history', history: 'shared' });
    const added = line(2, 2, { actor: 'alice', action: 'add', targets: ['dave'] });
    let state = device(group(['alice', 'bob', 'carol', 'dave'], [CREATED, shared, added]));
    state = read(read(state, 'bob', 3), 'carol', 3);
    // dave counts for every message, and has read up to where he joined before any mark of his arrives.
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:sent']);
    expect(seenByOf(state, ID, 1)).toEqual({ names: ['bob', 'carol', 'dave'], of: 3 });
  });

  it('a member who left and came back is a newcomer again', () => {
    const left = line(1, 0, { actor: 'carol', action: 'leave' });
    const back = line(2, 2, { actor: 'alice', action: 'add', targets: ['carol'] });
    let state = device(group(['alice', 'bob', 'carol'], [CREATED, left, back]));
    state = read(state, 'bob', 3);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:sent']);
  });

  it('counts only the others: your own marks and other authors change nothing', () => {
    let state = device(group(['alice', 'bob', 'carol']), ['alice', 'bob', 'alice']);
    state = read(read(state, 'alice', 3), 'carol', 3);
    expect(statuses(state)).toEqual(['1:sent', '3:sent']);
    // bob wrote 2: he is not waited for on it, only carol is.
    expect(seenByOf(state, ID, 2)).toEqual({ names: ['carol'], of: 1 });
  });
});

describe('a hostile server', () => {
  it('cannot mark a message seen before it exists: marks past the last seq are capped', () => {
    let state = device(group(['alice', 'bob']));
    state = read(state, 'bob', 99);
    expect(state.readMarks[ID]).toEqual({ bob: 3 });
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen']);
    state = applyMessages(state, [msg(4)], 'alice').state;
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen', '4:sent']);
    state = applyGroupMarks(state, ID, [{ username: 'bob', readSeq: 1_000 }]);
    expect(statuses(state)).toEqual(['1:seen', '2:seen', '3:seen', '4:seen']);
    expect(state.readMarks[ID]).toEqual({ bob: 4 });
  });

  it('cannot vouch for someone the verified chain does not hold', () => {
    let state = device(group(['alice', 'bob']));
    state = applyGroupMarks(state, ID, [{ username: 'mallory', readSeq: 3 }]);
    state = read(state, 'mallory', 3);
    expect(state.readMarks[ID]).toBeUndefined();
    // Even once she is truly added, the marks claimed before do not count for her.
    state = { ...state, groups: { [ID]: group(['alice', 'bob', 'mallory'], [CREATED, line(1, 0, { actor: 'alice', action: 'add', targets: ['mallory'] })]) } };
    state = read(state, 'bob', 3);
    expect(statuses(state)).toEqual(['1:sent', '2:sent', '3:sent']);
  });

  it('takes no marks for a group this device has not verified, or a direct conversation', () => {
    const unverified = { ...device(group(['alice', 'bob'])), groups: {} };
    expect(applyGroupMarks(unverified, ID, [{ username: 'bob', readSeq: 3 }])).toBe(unverified);
    expect(statuses(read(unverified, 'bob', 3))).toEqual(['1:sent', '2:sent', '3:sent']);
  });
});
