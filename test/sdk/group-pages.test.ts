// A 300-member group through the SDK against a real server: its epochs go out in two addEpoch pages (150 ek3
// copies each), the server holds the first pending and makes the epoch current with the second, and a member
// whose copy came in either page reads the group's messages.
import { randomBytes } from 'node:crypto';
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, threadOf } from '../../src/shared/client/index.js';
import { openGroupEpochKey, parsePublicIdentity, readGroupEpochKeyHeader } from '../../src/shared/crypto/index.js';
import { benchIdentity, registrationKeys } from '../../bench/keys.js';
import { TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sdkUser(url: string, name: string): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 60_000 });
  clients.push(c);
  await c.connect();
  await c.register(name, 'correct horse battery');
  return c;
}

test('a 300-member group: the epoch in two pages, pending until complete, read by members of both pages', { timeout: 600_000 }, async () => {
  // The client and server share this process: sealing 300 copies blocks both, so no heartbeat cuts the client off.
  const s = await startServer({ config: { allowUnencrypted: false, heartbeatMs: 600_000 } });
  servers.push(s);
  // 298 members with keys derived from their names (bench/keys.ts): registered without a client-side KDF.
  const names = Array.from({ length: 298 }, (_, i) => `m${String(i).padStart(3, '0')}`);
  const password = randomBytes(32).toString('base64url');
  const register = async (username: string) => {
    const raw = await TestClient.connect(s.url);
    await raw.request('register', { type: 'register', username, password, ...registrationKeys(username) } as never);
    raw.close();
  };
  for (let at = 0; at < names.length; at += 6) await Promise.all(names.slice(at, at + 6).map(register));
  const alice = await sdkUser(s.url, 'alice');
  const zoe = await sdkUser(s.url, 'zoe');

  const group = await alice.createGroup('Big', names.slice(0, 200));
  await alice.addMembers(group.id, [...names.slice(200), 'zoe']);
  alice.sendTo(group.id, 'hello, 300');
  await waitFor(() => threadOf(zoe.getSnapshot(), group.id).messages.some((m) => m.body === 'hello, 300'), { timeoutMs: 120_000, what: 'zoe reads' });
  expect(zoe.getSnapshot().groups[group.id]?.members).toHaveLength(300);

  // m000's copy came in the first page (members in username order): it is served, and opens, for the current epoch.
  const m000 = await TestClient.connect(s.url);
  await m000.request('login', { type: 'login', username: 'm000', password });
  const summary = (await m000.request('conversations', { type: 'conversations' } as never)) as { conversations: { id: number; epoch?: number; memberCount?: number }[] };
  const mine = summary.conversations.find((c) => c.id === group.id)!;
  expect(mine.memberCount).toBe(300);
  const { epochs } = await m000.request('epochKeys', { type: 'epochKeys', conversationId: group.id });
  const current = epochs.find((e) => e.epoch === mine.epoch)!;
  const header = readGroupEpochKeyHeader(current.sealed)!;
  const published = (await m000.request('identity', { type: 'identity', username: 'alice' })).identities.at(-1);
  const creator = parsePublicIdentity(published, 'alice');
  if (!creator.ok) throw new Error(creator.reason);
  // 300 members: 150 in the first page (m000 among them), the rest in the one that completed it.
  expect(header.chainLength).toBe(2);
  const opened = openGroupEpochKey(current.sealed, { ...header, recipient: benchIdentity('m000'), recipientName: 'm000', creator: creator.identity });
  expect(opened.ok).toBe(true);
  m000.close();
});
