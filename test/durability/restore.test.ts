// Restoring a backup: the database starts a new generation, and clients that knew the newer one resync from scratch.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, memoryStorage, selectThread } from '../../src/shared/client/index.js';
import { databaseFile } from '../../src/server/config.js';
import { backupDatabase } from '../../src/server/store/backup.js';
import { freePort, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'restore test password 5d2a';
const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(dataDir: string, port: number): Promise<TestServer> {
  const s = await startServer({ dataDir, config: { port } });
  servers.push(s);
  return s;
}

async function signedIn(url: string, name: string): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 200 }, storage: memoryStorage(), keyStorage: memoryStorage() });
  clients.push(c);
  await c.connect();
  await c.register(name, PASSWORD);
  return c;
}

const texts = async (c: ParleyClient, peer: string) => {
  const convo = await c.openConversation(peer);
  return selectThread(c.getSnapshot(), convo.id, peer).map((i) => i.body);
};

async function sent(c: ParleyClient, to: string, body: string): Promise<void> {
  c.send(to, body);
  await waitFor(() => c.getSnapshot().outbox.length === 0, { timeoutMs: 10_000, what: `"${body}" acknowledged` });
}

test('after a restore, new messages reach clients that had seen later ones, and nothing old hides them', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const first = await start(dataDir, port);
  const alice = await signedIn(first.url, 'alice');
  const bob = await signedIn(first.url, 'bob');
  await sent(alice, 'bob', 'one');
  await sent(bob, 'alice', 'two');
  const backup = path.join(tempDir(), 'backup.db');
  backupDatabase(databaseFile({ dataDir }), backup);
  // Written after the backup: lost by the restore, but alice's client has seen them (and their seqs).
  await sent(alice, 'bob', 'three (lost)');
  await sent(bob, 'alice', 'four (lost)');
  expect(await texts(alice, 'bob')).toEqual(['one', 'two', 'three (lost)', 'four (lost)']);
  const generation = await first.server.services.store.generation();

  // The operator restores the backup: stop, put the copy in place, start again on the same port.
  servers.splice(servers.indexOf(first), 1);
  await first.close();
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${databaseFile({ dataDir })}${suffix}`, { force: true });
  fs.copyFileSync(backup, databaseFile({ dataDir }));
  const restored = await start(dataDir, port);
  expect(await restored.server.services.store.generation()).not.toBe(generation);

  await waitFor(() => alice.getSnapshot().serverRestored && alice.getSnapshot().connection.status === 'online', { timeoutMs: 10_000, what: 'alice resynced' });
  await waitFor(() => bob.getSnapshot().connection.status === 'online', { timeoutMs: 10_000, what: 'bob back' });
  // bob's new message takes the seq "three (lost)" had: alice must see it, and no longer the lost ones.
  await sent(bob, 'alice', 'five, after the restore');
  await waitFor(async () => (await texts(alice, 'bob')).includes('five, after the restore'), { timeoutMs: 10_000, what: 'alice sees the new message' });
  expect(await texts(alice, 'bob')).toEqual(['one', 'two', 'five, after the restore']);
  // And she can still write (her conversation and key pins started over with the new generation).
  await sent(alice, 'bob', 'six');
  await waitFor(async () => (await texts(bob, 'alice')).at(-1) === 'six', { timeoutMs: 10_000, what: 'bob sees six' });
});

test('starting from the same backup twice gives two generations; a restart of a live database keeps its own', async () => {
  const dataDir = tempDir();
  const port = await freePort();
  const live = await start(dataDir, port);
  const generation = await live.server.services.store.generation();
  const backup = path.join(tempDir(), 'backup.db');
  backupDatabase(databaseFile({ dataDir }), backup);
  servers.splice(servers.indexOf(live), 1);
  await live.close();
  const again = await start(dataDir, port);
  expect(await again.server.services.store.generation()).toBe(generation);
  servers.splice(servers.indexOf(again), 1);
  await again.close();
  const seen = new Set([generation]);
  for (let i = 0; i < 2; i++) {
    const dir = tempDir();
    fs.copyFileSync(backup, databaseFile({ dataDir: dir }));
    const s = await start(dir, await freePort());
    seen.add(await s.server.services.store.generation());
  }
  expect(seen.size).toBe(3);
});
