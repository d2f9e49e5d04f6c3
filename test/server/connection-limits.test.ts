// What one connection may ask of the server: output under its budget, a request rate, typing and key-epoch limits.
import type net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import type { ServerConfig } from '../../src/server/config.js';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from '../../src/server/limits/rate-limits.js';
import { TestClient, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer | undefined;
const sockets: { close(): void }[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.close();
  server = undefined;
});

/** Every limit off but the ones a test names (messages are sent flat out to set the scene). */
const only = (limits: Partial<RateLimitConfig>): RateLimitConfig => ({
  ...DEFAULT_RATE_LIMITS,
  loginFailuresPerAccount: 0,
  loginFailuresPerAddress: 0,
  registrationsPerHour: 0,
  messagesPerSecond: 0,
  requestsPerSecond: 0,
  typingPerMinute: 0,
  epochsPerHour: 0,
  ...limits,
});

const start = async (config: Partial<ServerConfig>): Promise<TestServer> => (server = await startServer({ config }));

test('a client that stops reading and asks for 100 syncs at once is cut off with 4000, its queued output bounded', async () => {
  const budget = 256 * 1024;
  const { url } = await start({ slowConsumerBytes: budget });
  // The server side of every WebSocket, to read how much output it holds without asking the server.
  const transports: net.Socket[] = [];
  server!.server.http.prependListener('upgrade', (req: { socket: net.Socket }) => transports.push(req.socket));
  let held = 0;
  const sample = () => (held = Math.max(held, ...transports.map((t) => t.writableLength)));
  const sender = await userClient(url, 'sender');
  const { token } = await userClient(url, 'reader').then((client) => (client.close(), client));
  sockets.push(sender);
  // 100 messages of 10,000 characters while the reader is away: every sync page is about 1 MB, four times the budget.
  const body = 'x'.repeat(10_000);
  await Promise.all(Array.from({ length: 100 }, (_, i) => sender.request('send', { type: 'send', to: 'reader', clientMsgId: `m${i}`, body })));
  const reader = await TestClient.connect(url);
  sockets.push(reader);
  await reader.request('resume', { type: 'resume', token });
  const page = 100 * body.length;
  const metrics = server!.server.services.metrics;
  metrics.outputPeakBytes = 0;

  const raw = (reader.socket as unknown as { _socket: net.Socket })._socket;
  raw.pause();
  for (let i = 0; i < 100; i++) reader.sendRaw(JSON.stringify({ type: 'sync', id: 1_000 + i, after: 0, limit: 500 }));
  await waitFor(() => sample() >= 0 && server!.logs.some((line) => line.includes('slow consumer disconnected')), { timeoutMs: 15_000, what: 'the reader to be cut off' });
  // Held back by the budget, the server wrote about one page past it, never the 100 MB the syncs asked for.
  expect(held).toBeLessThanOrEqual(budget + 2 * page);
  expect(metrics.outputPeakBytes).toBeGreaterThan(0);
  expect(metrics.outputPeakBytes).toBeLessThanOrEqual(budget + 2 * page);
  raw.resume();
  // The close frame follows what the reader had not read yet: it sees the documented code, not 1006.
  expect(await reader.waitClosed(10_000)).toBe(4000);
  const answered = reader.frames.filter((f) => (f as { type: string; id?: number }).type === 'ok').length;
  expect(answered).toBeLessThan(100);
  console.log(`100 syncs while not reading: ${answered} answered, at most ${metrics.outputPeakBytes} bytes held unsent (${held} sampled; budget ${budget}, page ${page})`);
}, 60_000);

test('20,000 sync frames from one socket: past the request rate it gets RATE_LIMITED and is closed with 1008', async () => {
  const { url } = await start({ rateLimits: only({ requestsPerSecond: 200 }) });
  const client = await userClient(url, 'flood');
  sockets.push(client);
  for (let i = 0; i < 20_000; i++) client.sendRaw(JSON.stringify({ type: 'sync', id: 10 + i, after: 0 }));
  expect(await client.waitClosed(30_000)).toBe(1008);
  const limited = client.frames.find((f) => (f as { type: string; id: number | null }).type === 'error' && (f as { id: number | null }).id === null);
  expect(limited).toMatchObject({ code: 'RATE_LIMITED' });
  const answered = client.frames.filter((f) => (f as { type: string; id?: number }).type === 'ok' && (f as { id: number }).id >= 10).length;
  expect(answered).toBeLessThan(1_000);
  expect(server!.logs.some((line) => line.includes('too many requests'))).toBe(true);
}, 60_000);

test('typing hints and key epochs are limited per user', async () => {
  const { url } = await start({ rateLimits: only({ typingPerMinute: 5, epochsPerHour: 3 }) });
  const alice = await userClient(url, 'alice');
  const bob = await userClient(url, 'bob');
  sockets.push(alice, bob);
  const { conversation } = await alice.request('open', { type: 'open', with: 'bob' });

  const typing = await Promise.allSettled(Array.from({ length: 20 }, () => alice.request('typing', { type: 'typing', conversationId: conversation.id })));
  expect(typing.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  for (const r of typing.filter((r) => r.status === 'rejected')) expect(r.reason).toMatchObject({ code: 'RATE_LIMITED' });
  await bob.waitFor(() => bob.events.filter((e) => e.type === 'typing').length === 5);

  const addEpoch = () =>
    alice
      .request('addEpoch', { type: 'addEpoch', conversationId: conversation.id, epoch: 1, keys: [{ recipient: 'bob', sealed: `ek2.${'A'.repeat(100)}` }] })
      .then(
        () => 'ok',
        (error: { code: string }) => error.code,
      );
  const codes = [];
  for (let i = 0; i < 6; i++) codes.push(await addEpoch());
  // These accounts have no keys, so the allowed attempts fail on their keys; the rest never get that far.
  expect(codes).toEqual(['INVALID_KEYS', 'INVALID_KEYS', 'INVALID_KEYS', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
});
