// A first end-to-end check of the server: register two users and exchange one message.
import { afterEach, expect, test } from 'vitest';
import { startServer, type TestServer } from './helpers/server.js';
import { userClient } from './helpers/client.js';

let server: TestServer | undefined;
afterEach(async () => server?.close());

test('two users exchange a message', async () => {
  server = await startServer();
  const alice = await userClient(server.url, 'alice');
  const bob = await userClient(server.url, 'bob');
  const ack = await alice.request('send', { type: 'send', to: 'bob', clientMsgId: 'm1', body: 'hello bob' });
  expect(ack.seq).toBe(1);
  const event = await bob.event('message');
  expect(event.message).toMatchObject({ from: 'alice', to: 'bob', body: 'hello bob', seq: 1 });
  alice.close();
  bob.close();
});
