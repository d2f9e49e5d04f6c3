// A client with a long outbox on a fast network would send faster than the server's request rate and be
// closed with 1008 again and again; the SDK paces itself below the rate that hello announces.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_RATE_LIMITS } from '../../src/server/limits/rate-limits.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { ParleyClient } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer | undefined;
const clients: ParleyClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.exit();
  await server?.close();
});

test('120 queued messages reach a server that allows 40 frames a second, on one connection that is never closed', async () => {
  server = await startServer({ config: { rateLimits: { ...DEFAULT_RATE_LIMITS, requestsPerSecond: 40, messagesPerSecond: 0 } } });
  const alice = new ParleyClient({ url: server.url, WebSocket });
  const bob = new ParleyClient({ url: server.url, WebSocket });
  clients.push(alice, bob);
  for (const [client, name] of [
    [alice, 'alice'],
    [bob, 'bob'],
  ] as const) {
    await client.connect();
    await client.register(name, `a password for ${name}`);
  }
  await alice.openConversation('bob');
  const statuses: string[] = [alice.getSnapshot().connection.status];
  alice.subscribe(() => {
    const status = alice.getSnapshot().connection.status;
    if (statuses.at(-1) !== status) statuses.push(status);
  });

  for (let i = 0; i < 120; i++) alice.send('bob', `message ${i}`);
  await waitFor(() => alice.getSnapshot().outbox.length === 0, { timeoutMs: 30_000, what: 'the outbox to drain' });
  // Never closed for going too fast, so never reconnecting.
  expect(statuses).toEqual(['online']);
  const stored = (server.server.services.store as SqliteStore).db.prepare('SELECT count(*) AS n FROM messages').get();
  expect(stored).toEqual({ n: 120 });
}, 60_000);
