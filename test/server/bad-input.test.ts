// Every kind of bad input gets a plain error frame with a stable code; the connection and server carry on.
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ERROR_CODES } from '../../src/shared/errors.js';
import { LIMITS, type ErrorReply } from '../../src/shared/protocol.js';
import type { RequestFailed} from '../helpers/client.js';
import { TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const clients: TestClient[] = [];
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

const connect = async (hello = true) => {
  const c = await TestClient.connect(server.url, { hello });
  clients.push(c);
  return c;
};

/** Sends raw data and returns the next error frame it causes. */
const errorFor = async (c: TestClient, data: string | Buffer): Promise<ErrorReply> => {
  const before = c.frames.length;
  c.sendRaw(data);
  return c.waitFor(() => c.frames.slice(before).find((f): f is ErrorReply => (f as ErrorReply).type === 'error'));
};

/** The connection still answers a valid request. */
const stillAnswers = async (c: TestClient) => expect((await c.request('hello', { type: 'hello', versions: [1] })).version).toBe(1);

test('invalid JSON', async () => {
  const c = await connect();
  expect(await errorFor(c, '{"type": "hello", ')).toMatchObject({ id: null, code: 'INVALID_FRAME', message: 'The frame is not valid JSON.' });
  await stillAnswers(c);
});

test('JSON that is not an object', async () => {
  const c = await connect();
  for (const text of ['[]', '42', 'null', '"hello"']) expect((await errorFor(c, text)).code).toBe('INVALID_FRAME');
  await stillAnswers(c);
});

test('an unknown frame type, or none', async () => {
  const c = await connect();
  expect(await errorFor(c, JSON.stringify({ id: 7, type: 'shout' }))).toMatchObject({ id: 7, code: 'UNKNOWN_TYPE' });
  expect(await errorFor(c, JSON.stringify({ id: 8 }))).toMatchObject({ id: 8, code: 'UNKNOWN_TYPE' });
  await stillAnswers(c);
});

test('a frame that fails its schema names the field, never its value', async () => {
  const c = await connect();
  const reply = await errorFor(c, JSON.stringify({ id: 3, type: 'sync', after: 'secret-looking-value' }));
  expect(reply).toMatchObject({ id: 3, code: 'INVALID_FRAME' });
  expect(reply.message).toContain('"after"');
  expect(reply.message).not.toContain('secret-looking-value');
  const extra = await errorFor(c, JSON.stringify({ id: 4, type: 'online', sneaky: true }));
  expect(extra.message).toContain('sneaky');
  const noId = await errorFor(c, JSON.stringify({ type: 'online' }));
  expect(noId).toMatchObject({ id: null, code: 'INVALID_FRAME' });
  await stillAnswers(c);
});

test('a binary frame', async () => {
  const c = await connect();
  expect((await errorFor(c, Buffer.from([1, 2, 3]))).code).toBe('INVALID_FRAME');
  await stillAnswers(c);
});

test('a frame over the size limit closes the connection with 1009; the server carries on', async () => {
  const c = await connect();
  c.sendRaw(JSON.stringify({ id: 1, type: 'hello', versions: [1], client: 'x'.repeat(LIMITS.maxFrameBytes) }));
  expect(await c.waitClosed()).toBe(1009);
  await stillAnswers(await connect());
});

test('a message body over the limit is MESSAGE_TOO_LONG', async () => {
  const alice = await userClient(server.url, 'alice');
  clients.push(alice);
  const error = await alice
    .request('send', { type: 'send', to: 'alice', clientMsgId: 'big', body: 'x'.repeat(LIMITS.bodyMaxLength + 1) })
    .catch((e: RequestFailed) => e);
  expect((error as RequestFailed).code).toBe('MESSAGE_TOO_LONG');
  const empty = await alice.request('send', { type: 'send', to: 'alice', clientMsgId: 'e', body: '' }).catch((e: RequestFailed) => e);
  expect((empty as RequestFailed).code).toBe('INVALID_FRAME');
});

test('a request before hello is HELLO_REQUIRED; an unsupported version is refused', async () => {
  const c = await connect(false);
  const before = await c.request('online', { type: 'online' }).catch((e: RequestFailed) => e);
  expect((before as RequestFailed).code).toBe('HELLO_REQUIRED');
  const future = await c.request('hello', { type: 'hello', versions: [99] }).catch((e: RequestFailed) => e);
  expect((future as RequestFailed).code).toBe('UNSUPPORTED_VERSION');
  expect(await c.request('hello', { type: 'hello', versions: [99, 1] })).toMatchObject({ version: 1, session: null });
});

test('a request before login is NOT_AUTHENTICATED', async () => {
  const c = await connect();
  for (const frame of [
    { type: 'online' },
    { type: 'send', to: 'x', clientMsgId: 'a', body: 'b' },
    { type: 'sync', after: 0 },
    { type: 'logout' },
  ] as const) {
    const error = await c.request(frame.type, frame as never).catch((e: RequestFailed) => e);
    expect((error as RequestFailed).code).toBe('NOT_AUTHENTICATED');
  }
});

test('every code the server sends is in the documented table', async () => {
  const c = await connect();
  await errorFor(c, 'nope');
  for (const f of c.frames) if ((f as ErrorReply).type === 'error') expect(Object.keys(ERROR_CODES)).toContain((f as ErrorReply).code);
});

test('a hundred broken frames in a row do not take the server down', async () => {
  const c = await connect();
  for (let i = 0; i < 100; i++) c.sendRaw(i % 2 ? '{' : JSON.stringify({ id: i, type: 'send' }));
  await c.waitFor(() => c.frames.filter((f) => (f as ErrorReply).type === 'error').length >= 100);
  await stillAnswers(c);
  await stillAnswers(await connect());
});
