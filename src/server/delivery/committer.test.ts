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
function promising(onCommit?: (messages: number, seconds: number) => void) {
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
