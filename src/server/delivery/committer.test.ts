// Unit tests of group commit against a real SQLite file: one transaction per turn, ack only after commit.
import path from 'node:path';
import { tempDir } from '../../../test/helpers/temp.js';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SqliteStore } from '../store/sqlite.js';
import type { AppendResult, NewMessage } from '../store/store.js';
import { Committer } from './committer.js';

let store: SqliteStore;
let users: { alice: number; bob: number };
beforeEach(async () => {
  store = new SqliteStore({ file: path.join(tempDir('parley-unit-'), 'parley.db') });
  users = { alice: (await store.createUser('alice', 'h', 0)).id, bob: (await store.createUser('bob', 'h', 0)).id };
});
afterEach(() => store.close());

const msg = (clientMsgId: string, to = 'bob'): NewMessage => ({ senderId: users.alice, from: 'alice', to, clientMsgId, body: 'b', ts: 1 });

/** A committer whose messages are settled into promises: `submit` resolves once the message is committed. */
function promising(onCommit?: (messages: number, seconds: number) => void, maxBatch?: number) {
  const waiting = new Map<NewMessage, { resolve(result: AppendResult): void; reject(error: unknown): void }>();
  const committer = new Committer<NewMessage>(
    store,
    (message, error, result) => {
      const promise = waiting.get(message)!;
      waiting.delete(message);
      if (error === undefined) promise.resolve(result!);
      else promise.reject(error);
    },
    undefined,
    onCommit,
    maxBatch,
  );
  const submit = (message: NewMessage) =>
    new Promise<AppendResult>((resolve, reject) => {
      waiting.set(message, { resolve, reject });
      committer.enqueue(message);
    });
  return { committer, submit };
}

test('sends submitted in one turn commit in one transaction, in order', async () => {
  const commits: number[] = [];
  const { submit } = promising((messages) => commits.push(messages));
  let transactions = 0;
  const original = store.appendMessages.bind(store);
  store.appendMessages = async (batch) => (transactions++, original(batch));
  const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => submit(msg(id))));
  expect(transactions).toBe(1);
  expect(results.map((r) => r.message?.seq)).toEqual([1, 2, 3, 4]);
  // The metrics hear of one commit of four messages.
  expect(commits).toEqual([4]);
});

test('a resend inside the same batch is a duplicate of the first', async () => {
  const { submit } = promising();
  const [first, again] = await Promise.all([submit(msg('same')), submit(msg('same'))]);
  expect(first).toMatchObject({ duplicate: false });
  expect(again).toMatchObject({ duplicate: true, message: first.message });
});

test('an unknown recipient fails that send only', async () => {
  const { submit } = promising();
  const [ok, missing] = await Promise.all([submit(msg('a')), submit(msg('b', 'nobody'))]);
  expect(ok.message?.seq).toBe(1);
  expect(missing).toEqual({ message: null });
});

test('a failed transaction rejects every send of the batch and stores none of them', async () => {
  const { submit } = promising();
  const sends = [submit(msg('a')), submit({ ...msg('b'), body: null as unknown as string })];
  const outcomes = await Promise.allSettled(sends);
  expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  expect(await store.messagesAfter(users.bob, 0, 10)).toEqual([]);
  // The next batch works and starts at seq 1: nothing of the failed one survived.
  expect((await submit(msg('c'))).message?.seq).toBe(1);
});

test('drain waits for everything submitted', async () => {
  const { committer, submit } = promising();
  const pending = submit(msg('z'));
  await committer.drain();
  expect((await store.messagesAfter(users.bob, 0, 10)).map((m) => m.clientMsgId)).toEqual(['z']);
  await pending;
});

/** Makes every commit wait until it is let go: a store whose commits take time, as over a network. */
function slowCommits() {
  const original = store.appendMessages.bind(store);
  const gates: (() => void)[] = [];
  store.appendMessages = async (batch) => {
    await new Promise<void>((resolve) => gates.push(resolve));
    return original(batch);
  };
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    nextTurn,
    /** Lets the waiting commits go on, one a turn, until `settled` has settled. */
    releaseUntil: async (settled: Promise<unknown>) => {
      let done = false;
      void settled.finally(() => (done = true));
      while (!done) {
        gates.shift()?.();
        await nextTurn();
      }
    },
  };
}

test('sends that arrive in several turns while a commit runs share the next commit, in order', async () => {
  const commits: number[] = [];
  const { submit } = promising((messages) => commits.push(messages));
  const { nextTurn, releaseUntil } = slowCommits();
  const sends = [submit(msg('a'))];
  await nextTurn();
  // The commit of `a` is running; three more turns each bring a send.
  for (const id of ['b', 'c', 'd']) {
    sends.push(submit(msg(id)));
    await nextTurn();
  }
  const all = Promise.all(sends);
  await releaseUntil(all);
  const results = await all;
  expect(commits).toEqual([1, 3]);
  expect(results.map((r) => r.message?.seq)).toEqual([1, 2, 3, 4]);
});

test('a commit carries at most maxBatch messages; the rest follow in the next ones, in order', async () => {
  const commits: number[] = [];
  const { submit } = promising((messages) => commits.push(messages), 2);
  const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => submit(msg(id))));
  expect(commits).toEqual([2, 2, 1]);
  expect(results.map((r) => r.message?.seq)).toEqual([1, 2, 3, 4, 5]);
});

test('drain waits for a running commit and for the sends queued behind it', async () => {
  const { committer, submit } = promising();
  const { nextTurn, releaseUntil } = slowCommits();
  const sends = [submit(msg('x'))];
  await nextTurn();
  sends.push(submit(msg('y')));
  const draining = committer.drain();
  await releaseUntil(draining);
  // Drained means both committed: nothing is left to settle afterwards.
  expect((await store.messagesAfter(users.bob, 0, 10)).map((m) => m.clientMsgId)).toEqual(['x', 'y']);
  await Promise.all(sends);
});
