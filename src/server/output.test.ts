// Write batching: frames written in one turn (including from promise callbacks) leave in one socket write.
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { OutputBatcher } from './output.js';

let server: net.Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

async function socketPair(): Promise<{ client: net.Socket; chunks: Buffer[]; done: Promise<void> }> {
  const chunks: Buffer[] = [];
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  server = net.createServer((s) => {
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('end', () => resolveDone());
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => client.once('connect', r));
  return { client, chunks, done };
}

test('writes made in one turn, synchronously and from promise callbacks, are held until the turn ends', async () => {
  const { client, chunks, done } = await socketPair();
  const batcher = new OutputBatcher();
  let writes = 0;
  const original = client._writev?.bind(client);
  const originalWrite = client._write.bind(client);
  client._write = (chunk, encoding, cb) => (writes++, originalWrite(chunk, encoding, cb));
  if (original) client._writev = (list, cb) => (writes++, original(list, cb));
  const write = (text: string) => {
    batcher.hold(client);
    client.write(text);
  };
  write('a');
  write('b');
  void Promise.resolve().then(() => Promise.resolve().then(() => write('c')));
  expect(client.writableCorked).toBe(1);
  expect(writes).toBe(0);
  await new Promise((r) => setImmediate(r));
  expect(client.writableCorked).toBe(0);
  expect(writes).toBe(1);
  client.end();
  await done;
  expect(Buffer.concat(chunks).toString()).toBe('abc');
});
