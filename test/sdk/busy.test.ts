// The SDK resends a sign-in the server was too busy for (its password-hash queue full), and says so meanwhile.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
let server: TestServer | undefined;
const clients: ParleyClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await server?.close();
  server = undefined;
});

/** One hash at a time and one waiting: a few logins in flight keep the queue full. */
async function busyServer(): Promise<TestServer> {
  server = await startServer({ config: { maxConcurrentHashes: 1, maxQueuedHashes: 1 } });
  return server;
}

async function sdkClient(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const client = new ParleyClient({ url, WebSocket, requestTimeoutMs: 20_000, ...options });
  clients.push(client);
  await client.connect();
  return client;
}

/**
 * Keeps the server's own hash line full (one running, one waiting) with real argon2 hashes, as other
 * people's sign-ins would, until stopped. Each finished hash is replaced in the same turn, before any
 * frame is read: a flood of logins over a socket leaves gaps between hashes a retry could slip through.
 */
function occupyHashLine(): () => void {
  const { passwords } = server!.server.services;
  let running = true;
  const keep = (): void => {
    if (running) void passwords.hash('someone else').finally(keep);
  };
  keep();
  keep();
  return () => {
    running = false;
  };
}

/** Every sign-in notice the client's state showed, in order. */
function notices(client: ParleyClient): (string | null)[] {
  const seen: (string | null)[] = [];
  client.subscribe(() => {
    const notice = client.getSnapshot().signInNotice;
    if (notice !== seen.at(-1)) seen.push(notice);
  });
  return seen;
}

test('a login refused with SERVER_BUSY is sent again after a jittered wait, and the user is told meanwhile', async () => {
  const { url } = await busyServer();
  await (await sdkClient(url)).register('alice', PASSWORD);
  const stop = occupyHashLine();
  const client = await sdkClient(url);
  const seen = notices(client);
  const login = client.login('alice', PASSWORD);
  await waitFor(() => seen.length > 0, { timeoutMs: 10_000 });
  stop();
  await expect(login).resolves.toMatchObject({ username: 'alice' });
  expect(seen).toEqual(['The server is busy; trying again…', null]);
  expect(client.getSnapshot().session?.username).toBe('alice');
});

test('past its retries the sign-in fails with SERVER_BUSY in plain words, and the notice is cleared', async () => {
  const { url } = await busyServer();
  await (await sdkClient(url)).register('alice', PASSWORD);
  const stop = occupyHashLine();
  const client = await sdkClient(url, { busyRetries: 1 });
  const seen = notices(client);
  const failed = await client.login('alice', PASSWORD).catch((error: unknown) => error);
  stop();
  expect(failed).toMatchObject({ code: 'SERVER_BUSY', message: 'The server is too busy to sign you in right now; try again in a minute.' });
  expect(seen).toEqual(['The server is busy; trying again…', null]);
  expect(client.getSnapshot().session).toBeNull();
});
