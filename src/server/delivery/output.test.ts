// Write batching: a turn's frames leave together at its end, encoded as WebSocket text frames that ws reads back exactly.
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { encodeTextFrames, OutputBatcher } from './output.js';

test('targets held during a turn, synchronously and from promise callbacks, are flushed once each when it ends', async () => {
  const batcher = new OutputBatcher();
  const flushed: string[] = [];
  const target = (name: string) => ({ flushOutput: () => flushed.push(name) });
  batcher.hold(target('a'));
  batcher.hold(target('b'));
  void Promise.resolve().then(() => Promise.resolve().then(() => batcher.hold(target('c'))));
  expect(flushed).toEqual([]);
  await new Promise((r) => setImmediate(r));
  expect(flushed).toEqual(['a', 'b', 'c']);
  batcher.hold(target('d'));
  await new Promise((r) => setImmediate(r));
  expect(flushed).toEqual(['a', 'b', 'c', 'd']);
});

// A real ws client reads what the server writes to the raw socket, as Connection.flushOutput does.
let wss: WebSocketServer;
let client: WebSocket;
let write: (bytes: Buffer) => void;
const received: string[] = [];
let onMessage = (): void => {};

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise((r) => wss.once('listening', r));
  const connected = new Promise<void>((resolve) => wss.once('connection', (_ws, req) => ((write = (bytes) => req.socket.write(bytes)), resolve())));
  client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false });
  client.on('message', (data, isBinary) => {
    expect(isBinary).toBe(false);
    received.push(data.toString());
    onMessage();
  });
  await connected;
});

afterAll(async () => {
  client.close();
  await new Promise((r) => wss.close(r));
});

async function roundTrip(frames: string[]): Promise<string[]> {
  received.length = 0;
  const all = new Promise<void>((resolve) => {
    onMessage = () => received.length === frames.length && resolve();
  });
  write(encodeTextFrames(frames));
  if (frames.length > 0) await all;
  return [...received];
}

test('frames at each payload-length encoding boundary (7, 16 and 64 bits, measured or not) and in several scripts arrive intact and in order', async () => {
  const frames = [
    '',
    'a'.repeat(125),
    'a'.repeat(126),
    'é'.repeat(63),
    'é'.repeat(64),
    'x'.repeat(65_535),
    'x'.repeat(65_536),
    '😀'.repeat(20_000),
    // Encoded without being measured first up to 21,845 units (3 bytes each at most: the 16-bit form), measured past it.
    '€'.repeat(21_845),
    '€'.repeat(21_846),
    'é'.repeat(41) + 'a'.repeat(44),
    JSON.stringify({ type: 'message', message: { body: 'γειά σου κόσμε, 你好世界' } }),
  ];
  expect(await roundTrip(frames)).toEqual(frames);
});

test('any sequence of frames reads back exactly as sent', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 20 }), async (frames) => {
      expect(await roundTrip(frames)).toEqual(frames);
    }),
    { numRuns: 100 },
  );
});
