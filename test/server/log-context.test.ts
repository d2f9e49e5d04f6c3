// A connection's log lines name only the user signed in on it now: after a logout, not the one who left.
import { afterEach, expect, test } from 'vitest';
import { RequestFailed, userClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('a failed login after a logout is logged without the previous user and session', async () => {
  server = await startServer();
  const client = await userClient(server.url, 'alice');
  await client.request('logout', { type: 'logout' });
  const failed = await client.request('login', { type: 'login', username: 'bob', password: 'not his password' }).catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(RequestFailed);
  const lines = server.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === 'login failed');
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toHaveProperty('userId');
  expect(lines[0]).not.toHaveProperty('sessionId');
  expect(lines[0]).toHaveProperty('conn');
  client.close();
});
