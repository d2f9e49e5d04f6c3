// Unit tests of the fast lane's entry against a real SQLite file: what a send is answered, and who is pushed what.
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.js';
import { Hub, type HubClient } from '../hub.js';
import { RateLimits } from '../limits/rate-limits.js';
import { SqliteStore } from '../store/sqlite.js';
import { Delivery, type SendOrigin } from './delivery.js';
import { DeliveryMetrics } from './metrics.js';

/** A connection as delivery and the hub see it: every frame it was sent, in order. */
class FakeConnection implements SendOrigin, HubClient {
  readonly frames: unknown[] = [];
  constructor(
    readonly userId: number,
    readonly username: string,
    readonly sessionId: number,
  ) {}
  get client(): HubClient {
    return this;
  }
  send(frame: string): void {
    this.frames.push(JSON.parse(frame));
  }
  finishRequest(reply: string): void {
    this.send(reply);
  }
  replyError(id: number | null, error: unknown): void {
    const { code, message } = error as { code: string; message: string };
    this.frames.push({ type: 'error', id, code, message });
  }
  close(): void {}
  /** What it was sent but presence (the first message of a conversation makes its two contacts). */
  get replies(): unknown[] {
    return this.frames.filter((frame) => (frame as { type: string }).type !== 'presence');
  }
}

let store: SqliteStore;
let hub: Hub;
let alice: FakeConnection;
let aliceElsewhere: FakeConnection;
let bob: FakeConnection;
const errors: unknown[] = [];

/** A delivery with the server's checks; message rate limits off, as the unit under test is not the limiter. */
function delivery(config: { allowUnencrypted: boolean; maxMessageLength: number } = { allowUnencrypted: true, maxMessageLength: 100 }) {
  return new Delivery({ store, config, hub, rateLimits: new RateLimits(false), metrics: new DeliveryMetrics(new Registry()), now: () => 1_000, onError: (error) => errors.push(error) });
}

beforeEach(async () => {
  store = new SqliteStore({ file: path.join(tempDir('parley-unit-'), 'parley.db') });
  const ids = { alice: (await store.createUser('alice', 'h', 0)).id, bob: (await store.createUser('bob', 'h', 0)).id };
  hub = new Hub();
  alice = new FakeConnection(ids.alice, 'alice', 1);
  aliceElsewhere = new FakeConnection(ids.alice, 'alice', 2);
  bob = new FakeConnection(ids.bob, 'bob', 3);
  for (const conn of [alice, aliceElsewhere, bob]) hub.add(conn);
  errors.length = 0;
});
afterEach(() => store.close());

const send = (id: number, clientMsgId: string, to = 'bob', body = 'hi') => ({ id, type: 'send' as const, to, clientMsgId, body });

test('a send is acked on its connection, then pushed to the recipient and to the sender’s other sessions', async () => {
  const lane = delivery();
  lane.accept(send(7, 'm-1'), alice, alice);
  await lane.drain();
  const message = { conversationId: 1, seq: 1, from: 'alice', to: 'bob', clientMsgId: 'm-1', body: 'hi', ts: 1_000 };
  expect(alice.replies).toEqual([{ type: 'ok', id: 7, result: { clientMsgId: 'm-1', conversationId: 1, seq: 1, cursor: expect.any(Number), ts: 1_000 } }]);
  expect(bob.replies).toEqual([{ type: 'message', message: { ...message, cursor: expect.any(Number) } }]);
  expect(aliceElsewhere.replies).toEqual(bob.replies);
  // The conversation's first message made them contacts: each now sees the other online.
  expect(bob.frames.at(-1)).toEqual({ type: 'presence', username: 'alice', online: true });
  expect(errors).toEqual([]);
});

test('a resend gets the original ack and no second push', async () => {
  const lane = delivery();
  lane.accept(send(1, 'same'), alice, alice);
  await lane.drain();
  lane.accept(send(2, 'same', 'bob', 'changed'), alice, alice);
  await lane.drain();
  const [first, again] = alice.replies as { result: unknown }[];
  expect(again).toEqual({ type: 'ok', id: 2, result: first!.result });
  expect(bob.replies).toHaveLength(1);
});

test('refusals are answered on the sending connection only, with the request’s id', async () => {
  const lane = delivery({ allowUnencrypted: false, maxMessageLength: 5 });
  lane.accept(send(1, 'plain'), alice, alice);
  const open = delivery({ allowUnencrypted: true, maxMessageLength: 5 });
  open.accept(send(2, 'long', 'bob', 'too long'), alice, alice);
  open.accept(send(3, 'nobody', 'carol'), alice, alice);
  await open.drain();
  expect(alice.frames).toEqual([
    { type: 'error', id: 1, code: 'E2E_REQUIRED', message: expect.any(String) },
    { type: 'error', id: 2, code: 'MESSAGE_TOO_LONG', message: 'The message is too long: at most 5 characters.' },
    { type: 'error', id: 3, code: 'USER_NOT_FOUND', message: expect.stringContaining('"carol"') },
  ]);
  expect(bob.frames).toEqual([]);
});
