// Property tests: arbitrary bytes and arbitrary JSON sent as frames never crash the server or leak an exception.
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isErrorCode } from '../../src/shared/errors.js';
import { ClientFrame, REQUEST_TYPES, ServerFrame } from '../../src/shared/protocol.js';
import { TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const RUNS = process.env.CI === 'true' ? 1_000 : 200;
const PROBE_ID = 9_007_199_254_740_000;
const PASSWORD = 'correct horse battery';

let server: TestServer;
let token: string;

beforeAll(async () => {
  // No rate limits here: the properties are about parsing and dispatch, and a fuzzer hits every limit.
  server = await startServer();
  const client = await userClient(server.url, 'fuzz', PASSWORD);
  token = client.token;
  await userClient(server.url, 'peer');
  client.close();
});

afterAll(async () => {
  await server.close();
  // Nothing the fuzzer sent made a handler throw: every failure was an expected, coded error.
  expect(server.logs.filter((line) => line.includes('request failed'))).toEqual([]);
});

/** One fuzzing connection, logged in as `fuzz`; replaced whenever a frame legitimately ends it. */
class Target {
  socket: WebSocket | undefined;
  frames: { raw: string; value: unknown }[] = [];
  closed: number | undefined;
  private wake: (() => void) | undefined;

  async open(): Promise<void> {
    if (this.socket) {
      // The old connection is done with: its events must not touch the new one's state.
      this.socket.removeAllListeners();
      this.socket.on('error', () => undefined);
      this.socket.terminate();
    }
    const client = await TestClient.connect(server.url);
    await client.request('resume', { type: 'resume', token }).catch(async () => {
      // A fuzzed logout ended the session: log in again for a fresh token.
      token = (await client.request('login', { type: 'login', username: 'fuzz', password: PASSWORD })).token;
    });
    this.socket = client.socket;
    this.socket.removeAllListeners('message');
    this.socket.removeAllListeners('close');
    this.frames = [];
    this.closed = undefined;
    this.socket.on('message', (data) => {
      const raw = data.toString();
      this.frames.push({ raw, value: JSON.parse(raw) as unknown });
      this.wake?.();
    });
    this.socket.on('close', (code) => {
      this.closed = code;
      this.wake?.();
    });
  }

  async until(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
}

const target = new Target();

type Outgoing = { kind: 'text'; data: string } | { kind: 'binary'; data: Uint8Array };

const replyOf = (value: unknown) => value as { type: string; id?: number | null; code?: string; message?: string };
const isReply = (value: unknown) => ['ok', 'error'].includes(replyOf(value).type);

/** Sends one fuzzed frame and a probe; checks every frame that comes back and that the connection still answers. */
async function sendAndCheck(frame: Outgoing): Promise<void> {
  if (target.closed !== undefined || target.socket?.readyState !== WebSocket.OPEN) await target.open();
  const socket = target.socket!;
  target.frames = [];
  if (frame.kind === 'binary') socket.send(frame.data, { binary: true });
  else socket.send(frame.data);
  socket.send(JSON.stringify({ type: 'hello', id: PROBE_ID, versions: [1] }));

  let parsed: unknown = undefined;
  if (frame.kind === 'text') {
    try {
      parsed = JSON.parse(frame.data);
    } catch {
      parsed = undefined;
    }
  }
  const valid = ClientFrame.safeParse(parsed);
  const says = (type: string) => valid.success && valid.data.type === type;

  const replies = () => target.frames.filter((f) => isReply(f.value) && replyOf(f.value).id !== PROBE_ID);
  const probed = () => target.frames.some((f) => replyOf(f.value).id === PROBE_ID);
  await target.until(() => (probed() && replies().length >= 1) || target.closed !== undefined, 'the reply and the probe');

  for (const { raw, value } of target.frames) {
    expect(ServerFrame.safeParse(value).success, `not a well-formed server frame: ${raw}`).toBe(true);
  }
  const got = replies();
  expect(got, `one reply per frame, got ${JSON.stringify(got)}`).toHaveLength(1);
  const reply = replyOf(got[0]!.value);
  if (reply.type === 'ok') {
    // Only a frame that passes its schema can succeed.
    expect(valid.success, `ok for a frame that fails its schema: ${JSON.stringify(parsed)}`).toBe(true);
  } else {
    expect(isErrorCode(reply.code), `unknown error code ${reply.code}`).toBe(true);
    expect(reply.code, `an exception leaked for ${frame.kind === 'text' ? frame.data : 'bytes'}`).not.toBe('INTERNAL');
    expect(reply.message).not.toMatch(/\n\s+at |TypeError|SyntaxError|ReferenceError/);
  }
  if (target.closed !== undefined) {
    // The only frame that may end the connection is a valid bye.
    expect(says('bye') && reply.type === 'ok', `connection closed (${target.closed}) after ${JSON.stringify(parsed)}`).toBe(true);
  } else {
    expect(probed()).toBe(true);
  }
  if ((says('logout') || says('logoutEverywhere') || says('revokeSession')) && reply.type === 'ok') await target.open();
  if ((says('login') || says('register')) && reply.type === 'ok') await target.open();
}

const FIELD_NAMES = ['id', 'type', 'to', 'body', 'clientMsgId', 'username', 'password', 'device', 'versions', 'client', 'after', 'limit', 'conversationId', 'seq', 'before', 'token', 'with', 'sessionId', 'newPassword', '__proto__', 'constructor'];
const plausible = fc.oneof(
  fc.jsonValue(),
  fc.nat(),
  fc.integer(),
  fc.double(),
  fc.constantFrom('fuzz', 'peer', 'nobody', '', 'x'.repeat(70), 'm-1', -1, 0, 1, null, true, [1], { a: 1 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
/** Objects shaped like requests: a real or bogus type, a sometimes-valid id, and a mix of real and unknown fields. */
const frameLike = fc
  .record({
    type: fc.oneof(fc.constantFrom(...REQUEST_TYPES.filter((t) => t !== 'register')), fc.string(), fc.jsonValue()),
    id: fc.oneof(fc.nat(), plausible),
    fields: fc.dictionary(fc.constantFrom(...FIELD_NAMES), plausible, { maxKeys: 5 }),
  })
  .map(({ type, id, fields }) => JSON.stringify({ ...fields, type, id }));

const name = fc.oneof(fc.constantFrom('fuzz', 'peer', 'nobody', 'Fuzz', 'bad name', ''), fc.string({ maxLength: 70 }));
const smallInt = fc.oneof({ arbitrary: fc.integer({ min: -1, max: 5 }), weight: 8 }, fc.integer(), fc.double());
/** Valid requests of every type (register aside: it would create accounts), then maybe one field broken or added. */
const nearlyValid = fc
  .tuple(
    fc.oneof(
      fc.record({ type: fc.constant('hello'), versions: fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }) }),
      fc.record({ type: fc.constant('login'), username: name, password: fc.string({ maxLength: 20 }) }),
      fc.record({ type: fc.constant('resume'), token: fc.string({ maxLength: 50 }) }),
      fc.record({ type: fc.constantFrom('logout', 'bye', 'online', 'conversations') }),
      fc.record({ type: fc.constant('lookup'), username: name }),
      fc.record({ type: fc.constant('open'), with: name }),
      fc.record({
        type: fc.constant('send'),
        to: name,
        clientMsgId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.string({ maxLength: 70 })),
        body: fc.string({ unit: 'binary', maxLength: 200 }),
      }),
      fc.record({ type: fc.constant('sync'), after: smallInt, limit: smallInt }, { requiredKeys: ['type', 'after'] }),
      fc.record({ type: fc.constant('history'), conversationId: smallInt, before: smallInt, limit: smallInt }, { requiredKeys: ['type', 'conversationId'] }),
      fc.record({ type: fc.constant('read'), conversationId: smallInt, seq: smallInt }),
      fc.record({ type: fc.constant('typing'), conversationId: smallInt }),
      fc.record({ type: fc.constantFrom('sessions', 'logoutEverywhere') }),
      fc.record({ type: fc.constant('revokeSession'), sessionId: smallInt }),
      fc.record({ type: fc.constant('changePassword'), password: fc.string({ maxLength: 20 }), newPassword: fc.string({ maxLength: 20 }) }),
    ),
    fc.nat(),
    // One frame in three gets a field replaced or added.
    fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: fc.tuple(fc.constantFrom(...FIELD_NAMES), plausible), weight: 1 }),
  )
  .map(([frame, id, mutation]) => {
    const value: Record<string, unknown> = { ...frame, id };
    if (mutation) value[mutation[0]] = mutation[1];
    return JSON.stringify(value);
  });

const check = (arbitrary: fc.Arbitrary<string>) =>
  fc.assert(fc.asyncProperty(arbitrary, async (text) => sendAndCheck({ kind: 'text', data: text })), { numRuns: RUNS });

describe(`every reply is a well-formed frame with a known code, never an exception, and the connection answers on (${RUNS} runs each)`, () => {
  beforeAll(() => target.open());

  test('arbitrary JSON text', () => check(fc.json()), 60_000);

  test('JSON objects shaped like requests, with real and bogus types and fields', () => check(frameLike), 60_000);

  test('valid requests of every type with one field broken or added', () => check(nearlyValid), 60_000);

  test('arbitrary bytes in binary frames', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4_096 }), async (bytes) => sendAndCheck({ kind: 'binary', data: bytes })),
      { numRuns: RUNS },
    );
  }, 60_000);

  test('arbitrary strings (lone surrogates included) in text frames', () => check(fc.string({ unit: 'binary', maxLength: 2_048 })), 60_000);
});

test('invalid UTF-8 in a text frame closes that connection with 1007; the server carries on', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 256 }), async (bytes) => {
      const data = Buffer.concat([Buffer.from(bytes), Buffer.from([0xff])]); // 0xff never occurs in UTF-8
      const client = await TestClient.connect(server.url);
      client.socket.send(data, { binary: false });
      expect(await client.waitClosed()).toBe(1007);
    }),
    { numRuns: Math.min(RUNS, 100) },
  );
  const client = await TestClient.connect(server.url);
  expect(await client.request('hello', { type: 'hello', versions: [1] })).toMatchObject({ version: 1 });
  client.close();
});
