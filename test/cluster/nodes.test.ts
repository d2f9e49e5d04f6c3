// Several real `parley server` processes on one PostgreSQL and one Redis (each test its own database): a message
// crosses nodes at once, a session ended on one node closes its sockets on the others, and a node SIGKILLed in
// the middle of a conversation loses no acked message and duplicates none while its clients move to the others.
import { afterEach, describe, expect, test } from 'vitest';
import { CLOSE_CODES } from '../../src/shared/protocol.js';
import { checkPostgresDelivery } from '../helpers/checker.js';
import { type RequestFailed, TestClient, userClient } from '../helpers/client.js';
import { OutboxClient } from '../helpers/outbox.js';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createTestDatabase, servicesMissing, TEST_REDIS_URL } from '../helpers/services.js';

const skipped = await servicesMissing({ postgres: true, redis: true });

let nodes: SpawnedServer[] = [];
let clients: TestClient[] = [];
let outboxes: OutboxClient[] = [];
let dropDatabase: (() => Promise<void>) | undefined;

afterEach(async () => {
  for (const outbox of outboxes) outbox.stop();
  for (const client of clients) client.close();
  await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
  await dropDatabase?.();
  [nodes, clients, outboxes, dropDatabase] = [[], [], [], undefined];
});

/** A database of its own on the test PostgreSQL, dropped after the test; its URL. */
async function createDatabase(): Promise<string> {
  const { url, drop } = await createTestDatabase();
  dropDatabase = drop;
  return url;
}

/** `count` nodes on one new database and the test Redis, started one after another (a busy machine starts them slowly). */
async function startNodes(count: number, extra: string[] = []): Promise<SpawnedServer[]> {
  const database = await createDatabase();
  const args = ['--database', database, '--redis', TEST_REDIS_URL, '--allow-unencrypted', '--message-rate', '0', ...extra];
  for (let i = 0; i < count; i++) nodes.push(await spawnServer({ bundled: true, args }));
  return nodes;
}

describe.skipIf(skipped !== null)(skipped === null ? 'several nodes' : `several nodes (${skipped})`, () => {
  test('a client on node A messages a client on node B: B hears it at once; a session ended on B closes its socket on A', async () => {
    const [a, b] = await startNodes(2);
    const alice = await userClient(a!.url, 'alice');
    const bob = await userClient(b!.url, 'bob');
    clients.push(alice, bob);
    const ack = await alice.request('send', { type: 'send', to: 'bob', clientMsgId: 'across-1', body: 'hello from A' });
    const heard = await bob.event('message', (e) => e.message.clientMsgId === 'across-1');
    expect(heard.message).toMatchObject({ from: 'alice', to: 'bob', body: 'hello from A', seq: ack.seq, cursor: ack.cursor });
    // And back, from B to A, in the same conversation.
    await bob.request('send', { type: 'send', to: 'alice', clientMsgId: 'across-2', body: 'hello from B' });
    expect((await alice.event('message', (e) => e.message.clientMsgId === 'across-2')).message.seq).toBe(ack.seq + 1);

    // bob's second device is on node A; signing out everywhere on node B closes it there.
    const bobOnA = await userClient(a!.url, 'bob');
    clients.push(bobOnA);
    await bob.request('logoutEverywhere', { type: 'logoutEverywhere' });
    expect(await bobOnA.waitClosed()).toBe(CLOSE_CODES.sessionEnded);
  }, 60_000);

  test('rate limits hold across nodes: failed logins on A and on B count together', async () => {
    const [a, b] = await startNodes(2, ['--login-failures-per-account', '3']);
    clients.push(await userClient(a!.url, 'carol'));
    const attempt = async (node: SpawnedServer) => {
      const client = await TestClient.connect(node.url);
      clients.push(client);
      return client.request('login', { type: 'login', username: 'carol', password: 'wrong password!' }).catch((error: RequestFailed) => error.code);
    };
    expect([await attempt(a!), await attempt(b!), await attempt(a!)]).toEqual(['AUTH_FAILED', 'AUTH_FAILED', 'AUTH_FAILED']);
    expect(await attempt(b!)).toBe('RATE_LIMITED');
  }, 60_000);

  test('SIGKILL of a node mid-conversation: every acked message stored once at its acked seq; its clients move to the others', async () => {
    const three = await startNodes(3);
    const database = three[0]!.process.spawnargs[three[0]!.process.spawnargs.indexOf('--database') + 1]!;
    const names = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5'];
    const tokens: string[] = [];
    for (const [i, name] of names.entries()) {
      const client = await userClient(three[i % 3]!.url, name);
      tokens.push(client.token);
      client.close();
    }
    // Each user starts on node i % 3 and, on every reconnect, tries the next node.
    outboxes = names.map((username, i) => {
      const urls = [0, 1, 2].map((k) => three[(i + k) % 3]!.url);
      return new OutboxClient({ url: urls, username, token: tokens[i]!, window: 16, replayAcked: 3 });
    });
    const MESSAGES = 1_800;
    for (let n = 0; n < MESSAGES; n++) {
      const i = n % names.length;
      const peer = names[(i + 1 + (n % 2) * (names.length - 2)) % names.length]!;
      outboxes[i]!.enqueue({ to: peer, clientMsgId: `${names[i]}-${n}`, body: `message ${n}` });
    }
    for (const outbox of outboxes) outbox.start();
    const acked = () => outboxes.reduce((sum, o) => sum + o.ackedCount, 0);
    const until = async (condition: () => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await until(() => acked() >= MESSAGES / 3, 'a third is acked');
    await three[0]!.kill('SIGKILL');
    await until(() => acked() >= (2 * MESSAGES) / 3, 'two thirds are acked');
    await three[1]!.kill('SIGKILL');
    await until(() => outboxes.every((o) => o.unacked === 0), 'every message is acked');
    for (const outbox of outboxes) outbox.stop();

    const acks = outboxes.flatMap((o) => o.acks);
    const report = await checkPostgresDelivery(database, acks);
    const reconnects = outboxes.reduce((sum, o) => sum + o.reconnects, 0);
    console.log(`cluster crash: ${report.acked} acked, ${report.stored} stored, 2 SIGKILLs, ${reconnects} reconnects, ${acks.length} acks (resends included)`);
    expect(report.problems).toEqual([]);
    expect(report.acked).toBe(MESSAGES);
    expect(report.stored).toBe(MESSAGES);
    // The clients of the killed nodes went on through the others.
    expect(reconnects).toBeGreaterThanOrEqual(4);
  }, 180_000);
});
