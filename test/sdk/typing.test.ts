// Issue 14: the typing notice follows the typist. A sent message ends it and the next keystroke starts a new
// one at once (the throttle used to hold it back ~3 s after a send); emptying the draft ends it explicitly.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: TestServer;
const clients: ParleyClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.exit();
  await server?.close();
});

async function user(name: string, options: Partial<ParleyClientOptions>): Promise<ParleyClient> {
  const client = new ParleyClient({ url: server.url, WebSocket, ...options });
  clients.push(client);
  await client.connect();
  await client.register(name, `a password for ${name}`);
  return client;
}

test('a send resets the typing throttle, and a cleared draft stops the notice on the other screen', async () => {
  server = await startServer();
  // An hour of throttle and of notice lifetime: only the behaviour under test can start or end a notice.
  const alice = await user('alice', { typingThrottleMs: 3_600_000 });
  const bob = await user('bob', { typingTtlMs: 3_600_000 });
  const { id } = await alice.openConversation('bob');
  const typingAtBob = () => bob.getSnapshot().typing[id] ?? [];

  alice.typing(id);
  await waitFor(() => typingAtBob().includes('alice'), { what: 'the first typing notice' });

  alice.send('bob', 'hello');
  await waitFor(() => typingAtBob().length === 0, { what: 'the message to end the notice' });

  alice.typing(id);
  await waitFor(() => typingAtBob().includes('alice'), { what: 'a new notice right after the send' });

  alice.typing(id, false);
  await waitFor(() => typingAtBob().length === 0, { what: 'the stop to end the notice' });
  expect(bob.getSnapshot().threads[id]?.messages.map((m) => m.body)).toEqual(['hello']);
});
