// One test per limit: frame size, message length, connections per address, headers timeout, ping/pong, hello, slow consumer.
import net from 'node:net';
import WebSocket from 'ws';
import { afterEach, expect, test } from 'vitest';
import type { ServerConfig } from '../../src/server/config.js';
import type { Message } from '../../src/shared/protocol.js';
import { TestClient, userClient } from '../helpers/client.js';
import { spawnServer, type SpawnedServer, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
let spawned: SpawnedServer | undefined;
const sockets: { close(): void }[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.close();
  server = undefined;
  await spawned?.kill();
  spawned = undefined;
});

async function start(config: Partial<ServerConfig>): Promise<TestServer> {
  server = await startServer({ config });
  return server;
}

const until = async (condition: () => boolean, what: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

test('frame size: a frame at the limit is read, one byte more closes the connection with 1009', async () => {
  const { url } = await start({ maxFrameBytes: 2_048 });
  const client = await TestClient.connect(url);
  sockets.push(client);
  expect((await client.request('hello', { type: 'hello', versions: [1] })).limits.maxFrameBytes).toBe(2_048);

  const frame = (size: number) => {
    const text = JSON.stringify({ id: 7, type: 'online', pad: '' });
    return JSON.stringify({ id: 7, type: 'online', pad: 'x'.repeat(size - text.length) });
  };
  client.sendRaw(frame(2_048));
  const reply = await client.waitFor(() => client.frames.find((f) => (f as { id?: number }).id === 7));
  expect(reply).toMatchObject({ type: 'error', code: 'INVALID_FRAME' });

  client.sendRaw(frame(2_049));
  expect(await client.waitClosed()).toBe(1009);
});

test('message length: the configured maximum is announced and enforced with MESSAGE_TOO_LONG', async () => {
  const { url } = await start({ maxMessageLength: 50 });
  const alice = await userClient(url, 'alice');
  sockets.push(alice);
  expect((await alice.request('hello', { type: 'hello', versions: [1] })).limits.bodyMaxLength).toBe(50);
  await expect(alice.request('send', { type: 'send', to: 'alice', clientMsgId: 'ok', body: 'x'.repeat(50) })).resolves.toMatchObject({ seq: 1 });
  const tooLong = alice.request('send', { type: 'send', to: 'alice', clientMsgId: 'long', body: 'x'.repeat(51) });
  await expect(tooLong).rejects.toMatchObject({ code: 'MESSAGE_TOO_LONG' });
  await expect(tooLong).rejects.toThrow(/at most 50 characters/);
});

test('connections per address: the next upgrade gets 429 until one of them closes', async () => {
  const { url } = await start({ maxConnectionsPerAddress: 3 });
  const open = [];
  for (let i = 0; i < 3; i++) open.push(await TestClient.connect(url));
  sockets.push(...open);
  await expect(TestClient.connect(url)).rejects.toThrow(/429/);

  open[0]!.close();
  await open[0]!.waitClosed();
  // The server frees the slot when its side of the socket closes, a moment after the client sees it.
  let again: TestClient | undefined;
  for (let i = 0; i < 100 && !again; i++) {
    again = await TestClient.connect(url).catch(() => undefined);
    if (!again) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(again, 'a fourth connection is accepted again').toBeDefined();
  sockets.push(again!);
  expect(await again!.request('hello', { type: 'hello', versions: [1] })).toMatchObject({ version: 1 });
});

test('request headers timeout: a client that never finishes its headers is cut off (slowloris)', async () => {
  const { port } = await start({ headersTimeoutMs: 300 });
  const socket = net.connect(port, '127.0.0.1');
  sockets.push({ close: () => socket.destroy() });
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
  // Keep dribbling a header line now and then, the way slowloris keeps a socket busy.
  const drip = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
  try {
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('socket still open after 10 s')), 10_000))]);
  } finally {
    clearInterval(drip);
  }
  expect(received).toMatch(/^HTTP\/1\.1 408/);
});

test('ping/pong: a socket that stops answering pings is dropped; one that answers stays', async () => {
  const { url } = await start({ heartbeatMs: 100 });
  const dead = new WebSocket(url, { autoPong: false });
  const alive = new WebSocket(url);
  sockets.push(dead, alive);
  let pings = 0;
  alive.on('ping', () => pings++);
  const deadClosed = new Promise<number>((resolve) => dead.once('close', (code) => resolve(code)));
  await Promise.all([dead, alive].map((ws) => new Promise((resolve) => ws.once('open', resolve))));
  expect(await deadClosed).toBe(1006); // terminated, no closing handshake
  await until(() => pings >= 4, 'the live socket has answered four pings');
  expect(alive.readyState).toBe(WebSocket.OPEN);
  expect(server!.logs.some((line) => line.includes('no pong since the last ping'))).toBe(true);
});

test('a socket that never says hello is closed with 1008 after the hello timeout; one that does stays', async () => {
  const { url } = await start({ helloTimeoutMs: 300 });
  const silent = await TestClient.connect(url, { hello: false });
  const polite = await TestClient.connect(url);
  sockets.push(silent, polite);
  expect(await silent.waitClosed(10_000)).toBe(1008);
  expect(server!.logs.some((line) => line.includes('no hello in time'))).toBe(true);
  // Well past the timeout, the connection that said hello still answers.
  await new Promise((resolve) => setTimeout(resolve, 600));
  await expect(polite.request('online', { type: 'online' })).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
  expect(polite.closeCode).toBeUndefined();
});

test('slow consumer: a client that stops reading is disconnected past the threshold and resumes from its cursor without loss', async () => {
  const { url } = await start({ slowConsumerBytes: 64 * 1024 });
  const sender = await userClient(url, 'sender');
  const reader = await userClient(url, 'reader');
  sockets.push(sender, reader);
  const body = 'x'.repeat(15_000);
  const sent: string[] = [];
  const send = async (n: number) => {
    const acks = [];
    for (let i = 0; i < n; i++) {
      const clientMsgId = `m${sent.length}`;
      sent.push(clientMsgId);
      acks.push(sender.request('send', { type: 'send', to: 'reader', clientMsgId, body }));
    }
    await Promise.all(acks);
  };

  // The reader takes the first messages live and remembers its cursor, as a client does.
  await send(5);
  await reader.waitFor(() => reader.events.filter((e) => e.type === 'message').length === 5);
  const live = reader.events.flatMap((e) => (e.type === 'message' ? [e.message] : []));
  const cursor = Math.max(...live.map((m) => m.cursor));

  // Then it stops reading; the server's buffer for it grows until it is cut off.
  const raw = (reader.socket as unknown as { _socket: net.Socket })._socket;
  raw.pause();
  const dropped = () => server!.logs.some((line) => line.includes('slow consumer disconnected'));
  while (!dropped() && sent.length < 3_000) await send(50);
  expect(dropped()).toBe(true);
  raw.resume();
  // Its close frame waited behind what it had not read: once it reads again it sees 4000, not 1006.
  expect(await reader.waitClosed(10_000)).toBe(4000);

  // Back online: sync from the cursor fills in everything, once.
  const again = await TestClient.connect(url);
  sockets.push(again);
  await again.request('resume', { type: 'resume', token: reader.token });
  const synced: Message[] = [];
  let after = cursor;
  for (;;) {
    const page = await again.request('sync', { type: 'sync', after, limit: 500 });
    synced.push(...page.messages);
    after = page.cursor;
    if (!page.more) break;
  }
  const ids = [...live.slice(0, 5), ...synced].map((m) => m.clientMsgId);
  expect(ids).toEqual(sent);
  console.log(`slow consumer: cut off after ${sent.length} messages of 15,000 characters; ${synced.length} recovered by sync`);
}, 60_000);

test('every limit is a flag and a PARLEY_* variable of `parley server`', async () => {
  spawned = await spawnServer({
    args: ['--max-message-length', '100', '--max-connections-per-address', '2'],
    env: { PARLEY_MAX_FRAME_BYTES: '4096', PARLEY_HEARTBEAT_MS: '1000', PARLEY_HEADERS_TIMEOUT_MS: '2000', PARLEY_SLOW_CONSUMER_BYTES: '100000' },
  });
  const first = await TestClient.connect(spawned.url);
  sockets.push(first);
  const hello = await first.request('hello', { type: 'hello', versions: [1] });
  expect(hello.limits).toMatchObject({ maxFrameBytes: 4_096, bodyMaxLength: 100 });
  const second = await TestClient.connect(spawned.url);
  sockets.push(second);
  await expect(TestClient.connect(spawned.url)).rejects.toThrow(/429/);
  first.sendRaw(JSON.stringify({ id: 1, type: 'online', pad: 'x'.repeat(5_000) }));
  expect(await first.waitClosed()).toBe(1009);
});

test('a bad limit value is one plain sentence and a non-zero exit', async () => {
  await expect(spawnServer({ args: ['--max-message-length', '99999'] })).rejects.toThrow(/A message length is a whole number from 1 to 16000/);
});
