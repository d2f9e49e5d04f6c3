// Live messages decrypt concurrently, some waiting for a key fetch; they must still be counted in seq order,
// or a later one applied first makes the earlier ones look like replays and the unread count comes out low.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer | undefined;
const clients: ParleyClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.exit();
  await server?.close();
});

async function user(name: string): Promise<ParleyClient> {
  const client = new ParleyClient({ url: server!.url, WebSocket });
  clients.push(client);
  await client.connect();
  await client.register(name, `a password for ${name}`);
  return client;
}

test('a burst of 60 live messages, the first of a new conversation key among them, is 60 unread', async () => {
  server = await startServer({ config: { rateLimits: false } });
  const alice = await user('alice');
  const bob = await user('bob');
  for (let i = 1; i <= 60; i++) alice.send('bob', `burst ${i}`);
  await waitFor(() => alice.getSnapshot().outbox.length === 0, { timeoutMs: 20_000, what: "alice's outbox to drain" });
  await waitFor(() => bob.getSnapshot().conversations[0]?.lastSeq === 60, { timeoutMs: 20_000, what: 'bob to have all 60' });
  expect(bob.getSnapshot().conversations[0]).toMatchObject({ peer: 'alice', lastSeq: 60, readSeq: 0, unread: 60 });
});
