// Privacy canary: a known password and message text must not reach the database (password) or any log.
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { TestClient, userClient } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

const PASSWORD = 'canary-password-5f1e0c';
const BODY = 'canary-message-text-9b3d7a';

test('no password in the database file or the logs; no message text or token in the logs', async () => {
  const server = await startServer();
  const alice = await userClient(server.url, 'alice', PASSWORD);
  const bob = await userClient(server.url, 'bob', PASSWORD);
  await alice.request('send', { type: 'send', to: 'bob', clientMsgId: 'c1', body: BODY });
  await bob.event('message');
  // Failures are logged too: a wrong password and a broken frame carrying the secret must not leak.
  const stranger = await TestClient.connect(server.url);
  await stranger.request('login', { type: 'login', username: 'alice', password: `${PASSWORD}-wrong` }).catch(() => undefined);
  stranger.sendRaw(`{"type":"send","body":"${BODY}",`);
  await stranger.waitFor(() => stranger.frames.length >= 3);
  for (const c of [alice, bob, stranger]) c.close();
  await server.close();

  const files = fs.readdirSync(server.dataDir).map((f) => path.join(server.dataDir, f));
  expect(files.some((f) => f.endsWith('parley.db'))).toBe(true);
  for (const file of files) expect(fs.readFileSync(file).includes(PASSWORD), file).toBe(false);

  expect(server.logs.length).toBeGreaterThan(0);
  const logs = server.logs.join('\n');
  expect(logs).not.toContain(PASSWORD);
  expect(logs).not.toContain(BODY);
  expect(logs).not.toContain(alice.token);
  expect(logs).not.toContain(bob.token);
});
