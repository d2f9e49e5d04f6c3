// Property test: under random interleavings of sends, resends and reconnects, dedupe and seqs match a simple reference
// model; on SQLite and on PostgreSQL.
import fc from 'fast-check';
import type WebSocket from 'ws';
import { expect, test } from 'vitest';
import type { Fault } from '../helpers/faults.js';
import type { Message } from '../../src/shared/protocol.js';
import { TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { type StoreHarness, type StoreKind, storeKinds } from '../helpers/store-kinds.js';

/** Runs per store: each PostgreSQL commit costs more, so fewer runs there. */
const RUNS = process.env.CI === 'true' ? { sqlite: 1_000, postgres: 250 } : { sqlite: 150, postgres: 50 };

/** The reference: one counter per conversation, one remembered seq per (sender, clientMsgId). */
class ReferenceModel {
  readonly lastSeq = new Map<number, number>();
  private readonly stored = new Map<string, { conversationId: number; seq: number }>();
  private readonly conversationOfPair = new Map<string, number>();

  /** What the server must answer to a send that commits at this point: the original seq for a resend, else the next one. */
  send(sender: string, clientMsgId: string, to: string, conversationId: number): { conversationId: number; seq: number } {
    const pair = [sender, to].sort().join('|');
    const known = this.conversationOfPair.get(pair);
    if (known === undefined) this.conversationOfPair.set(pair, conversationId);
    const key = `${sender}|${clientMsgId}`;
    const earlier = this.stored.get(key);
    if (earlier) return earlier;
    const conv = known ?? conversationId;
    const seq = (this.lastSeq.get(conv) ?? 0) + 1;
    this.lastSeq.set(conv, seq);
    const result = { conversationId: conv, seq };
    this.stored.set(key, result);
    return result;
  }
}

interface Outgoing {
  user: string;
  to: string;
  clientMsgId: string;
}

interface Ack {
  clientMsgId: string;
  conversationId: number;
  seq: number;
  cursor: number;
}

interface Transmission {
  message: Outgoing;
  client: number;
  epoch: number;
  first: boolean;
  ack?: Ack;
}

const USERS = ['ann', 'ben', 'cat'];
/** Three connections: two sessions of ann (dedupe is per user, across devices) and one of ben. */
const CLIENT_USERS = ['ann', 'ann', 'ben'];

/** A connection that can be cut at any moment; replies to sends are matched to their transmission. */
class Conn {
  socket: WebSocket | null = null;
  epoch = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, Transmission>();
  private drained: (() => void) | undefined;

  constructor(
    private readonly url: string,
    readonly user: string,
    private readonly token: string,
  ) {}

  async open(): Promise<void> {
    const client = await TestClient.connect(this.url);
    await client.request('resume', { type: 'resume', token: this.token });
    const socket = client.socket;
    socket.removeAllListeners('message');
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id?: number; result?: Ack; code?: string };
      if (frame.type !== 'ok' && frame.type !== 'error') return;
      const t = this.waiting.get(frame.id ?? -1);
      if (!t) return;
      this.waiting.delete(frame.id!);
      if (frame.type === 'error') throw new Error(`send failed with ${frame.code}`);
      t.ack = frame.result!;
      if (this.waiting.size === 0) this.drained?.();
    });
    this.socket = socket;
    this.epoch++;
  }

  transmit(t: Transmission): void {
    const id = this.nextId++;
    this.waiting.set(id, t);
    this.socket!.send(JSON.stringify({ type: 'send', id, to: t.message.to, clientMsgId: t.message.clientMsgId, body: `body of ${t.message.clientMsgId}` }));
  }

  /** Cuts the connection abruptly: replies in flight are lost, though their sends may have been stored. */
  async reconnect(): Promise<void> {
    this.waiting.clear();
    this.socket?.terminate();
    await this.open();
  }

  async settle(): Promise<void> {
    if (this.waiting.size === 0) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('replies did not arrive')), 5_000);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = undefined;
        resolve();
      };
    });
  }
}

type Command =
  | { kind: 'send'; client: number; peer: number }
  | { kind: 'resend'; client: number; pick: number }
  | { kind: 'reconnect'; client: number }
  | { kind: 'settle' };

const client = fc.integer({ min: 0, max: CLIENT_USERS.length - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('send' as const), client, peer: fc.integer({ min: 0, max: USERS.length - 1 }) }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('resend' as const), client, pick: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reconnect' as const), client }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'settle' as const }), weight: 1 },
);

/** A server with three users, three sending connections, reading connections and the reference model, kept across runs. */
class Harness {
  readonly model = new ReferenceModel();
  private conns: Conn[] = [];
  private readonly readers = new Map<string, TestClient>();
  private runs = 0;

  private constructor(
    private readonly server: TestServer,
    private readonly tokens: Map<string, string[]>,
    private readonly db: StoreHarness | undefined,
  ) {}

  /** On a new store of `kind`, or with the test-only faults (which wrap a SQLite store). */
  static async start(options: { kind: StoreKind } | { faults: readonly Fault[] }): Promise<Harness> {
    const db = 'kind' in options ? await options.kind.open() : undefined;
    const server = await startServer(db ? { store: db.store } : { faults: 'faults' in options ? options.faults : [] });
    const tokens = new Map<string, string[]>();
    for (const user of USERS) {
      const first = await userClient(server.url, user);
      first.close();
      const second = await userClient(server.url, user);
      second.close();
      tokens.set(user, [first.token, second.token]);
    }
    const harness = new Harness(server, tokens, db);
    harness.conns = CLIENT_USERS.map((user, i) => new Conn(server.url, user, tokens.get(user)![i === 1 ? 1 : 0]!));
    for (const conn of harness.conns) await conn.open();
    return harness;
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.socket?.terminate();
    for (const reader of this.readers.values()) reader.close();
    await this.server.close();
    await this.db?.close();
  }

  /** Reads what the store holds through a connection of a member, kept open across runs. */
  private async history(user: string, conversationId: number, after: number): Promise<Message[]> {
    let reader = this.readers.get(user);
    if (!reader) {
      reader = await TestClient.connect(this.server.url);
      await reader.request('resume', { type: 'resume', token: this.tokens.get(user)![0]! });
      this.readers.set(user, reader);
    }
    const page = await reader.request('history', { type: 'history', conversationId, limit: 100 });
    return page.messages.filter((m) => m.seq > after);
  }

  property() {
    return fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 14 }), (commands) => this.check(commands));
  }

  private async check(commands: Command[]): Promise<void> {
    const run = ++this.runs;
    const transmissions: Transmission[] = [];
    const messages: Outgoing[] = [];
    const startSeq = new Map(this.model.lastSeq);
    let n = 0;
    for (const c of commands) {
      if (c.kind === 'send') {
        const conn = this.conns[c.client]!;
        const message = { user: conn.user, to: USERS[c.peer]!, clientMsgId: `r${run}-${n++}` };
        messages.push(message);
        const t: Transmission = { message, client: c.client, epoch: conn.epoch, first: true };
        transmissions.push(t);
        conn.transmit(t);
      } else if (c.kind === 'resend') {
        const conn = this.conns[c.client]!;
        const mine = messages.filter((m) => m.user === conn.user);
        if (mine.length === 0) continue;
        const t: Transmission = { message: mine[c.pick % mine.length]!, client: c.client, epoch: conn.epoch, first: false };
        transmissions.push(t);
        conn.transmit(t);
      } else if (c.kind === 'reconnect') {
        await this.conns[c.client]!.reconnect();
      } else {
        for (const conn of this.conns) await conn.settle();
      }
    }
    for (const conn of this.conns) await conn.settle();
    // The outbox: whatever never got an ack (its reply was cut off) is resent until it does.
    for (const message of messages) {
      if (transmissions.some((t) => t.message === message && t.ack)) continue;
      const index = CLIENT_USERS.indexOf(message.user);
      const t: Transmission = { message, client: index, epoch: this.conns[index]!.epoch, first: false };
      transmissions.push(t);
      this.conns[index]!.transmit(t);
      await this.conns[index]!.settle();
    }

    const acked = transmissions.filter((t): t is Transmission & { ack: Ack } => t.ack !== undefined);
    // 1. Every ack of one message names the same stored row.
    const byMessage = new Map<Outgoing, Ack>();
    for (const t of acked) {
      const earlier = byMessage.get(t.message);
      if (earlier) expect(t.ack, `resend of ${t.message.clientMsgId} acked differently`).toEqual(earlier);
      else byMessage.set(t.message, t.ack);
    }
    expect(byMessage.size).toBe(messages.length);

    // 2. Replayed in commit order (the cursor), the reference model predicts every seq the server acked.
    const commitOrder = [...acked].sort((a, b) => a.ack.cursor - b.ack.cursor);
    for (const t of commitOrder) {
      const expected = this.model.send(t.message.user, t.message.clientMsgId, t.message.to, t.ack.conversationId);
      expect({ conversationId: t.ack.conversationId, seq: t.ack.seq }, `seq of ${t.message.clientMsgId}`).toEqual(expected);
    }

    // 3. The store holds exactly the model's new messages: nothing extra (a resend stored twice), no gap.
    for (const [conversationId, last] of this.model.lastSeq) {
      const before = startSeq.get(conversationId) ?? 0;
      if (last === before) continue;
      const inConversation = commitOrder.filter((t) => t.ack.conversationId === conversationId);
      const expected = inConversation
        .map((t) => t.ack)
        .filter((ack, i, all) => all.findIndex((a) => a.cursor === ack.cursor) === i)
        .map((ack) => ({ seq: ack.seq, clientMsgId: ack.clientMsgId }));
      const stored = await this.history(inConversation[0]!.message.user, conversationId, before);
      expect(stored.map((m) => ({ seq: m.seq, clientMsgId: m.clientMsgId }))).toEqual(expected);
    }

    // 4. One connection's sends reach a conversation in the order they were sent (unless another
    //    session of the same user resent one of them, which may have been stored first).
    const onlyFrom = (t: Transmission) => transmissions.every((u) => u.message !== t.message || u.client === t.client);
    for (let i = 0; i < this.conns.length; i++) {
      const firsts = acked.filter((t) => t.client === i && t.first && onlyFrom(t)).sort((a, b) => transmissions.indexOf(a) - transmissions.indexOf(b));
      const seen = new Map<string, number>();
      for (const t of firsts) {
        const key = `${t.epoch}|${t.ack.conversationId}`;
        const previous = seen.get(key) ?? 0;
        expect(t.ack.seq, `order of ${t.message.clientMsgId}`).toBeGreaterThan(previous);
        seen.set(key, t.ack.seq);
      }
    }
  }
}

for (const kind of await storeKinds()) {
  const runs = RUNS[kind.name];
  const title = `dedupe and seqs match the reference model under sends, resends and reconnects on ${kind.name} (${runs} runs)`;
  test.skipIf(kind.skipped !== null)(kind.skipped === null ? title : `${title} (${kind.skipped})`, async () => {
    const harness = await Harness.start({ kind });
    try {
      await fc.assert(harness.property(), { numRuns: runs });
    } finally {
      await harness.close();
    }
  }, 120_000);
}

// The fault wraps a SQLite store (test/helpers/faults.ts); it proves the property can fail, whatever the store.
test('negative control: with the dedupe skipped, the property finds a counterexample', async () => {
  const harness = await Harness.start({ faults: ['skip-dedupe'] });
  try {
    const result = await fc.check(harness.property(), { numRuns: 200, endOnFailure: true });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/acked differently|seq of|toEqual|expected/);
  } finally {
    await harness.close();
  }
}, 60_000);
