// Restoring a backup, on SQLite and on PostgreSQL: the database starts a new generation, and clients that knew the
// newer one resync from scratch.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, memoryStorage, selectThread } from '../../src/shared/client/index.js';
import { databaseFile } from '../../src/server/config.js';
import { backupDatabase } from '../../src/server/store/backup.js';
import { backupPostgres } from '../../src/server/store/postgres/backup.js';
import { PostgresStore } from '../../src/server/store/postgres/store.js';
import { freePort, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { servicesMissing, testDatabases } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'restore test password 5d2a';
const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
const databases = testDatabases();
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await databases.dropAll();
});

/** A store kind: where a database lives (a data folder, or a PostgreSQL URL), and how the operator backs it up and restores it. */
interface Kind {
  name: string;
  skipped: string | null;
  /** A new, empty database. */
  create(): Promise<string>;
  /** A server on the database, on `port`. */
  start(where: string, port: number): Promise<TestServer>;
  /** `parley backup`'s copy of the database. */
  backup(where: string): Promise<string>;
  /** A new database holding the backup, as docs/operations.md tells the operator to make one. */
  restore(backup: string): Promise<string>;
}

const kinds: Kind[] = [
  {
    name: 'sqlite',
    skipped: null,
    create: async () => tempDir(),
    start: (dataDir, port) => startServer({ dataDir, config: { port } }),
    backup: async (dataDir) => backupDatabase(databaseFile({ dataDir }), path.join(tempDir(), 'backup.db')).file,
    restore: async (backup) => {
      const dataDir = tempDir();
      fs.copyFileSync(backup, databaseFile({ dataDir }));
      return dataDir;
    },
  },
  {
    name: 'postgres',
    skipped: await servicesMissing({ postgres: true, pgTools: true }),
    create: databases.create,
    start: async (url, port) => startServer({ store: await PostgresStore.open({ url }), config: { port } }),
    backup: async (url) => (await backupPostgres(url, path.join(tempDir(), 'backup.dump'))).file,
    restore: databases.restore,
  },
];

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

for (const kind of kinds) {
  describe.skipIf(kind.skipped !== null)(kind.skipped === null ? kind.name : `${kind.name} (${kind.skipped})`, () => {
    const start = async (where: string, port: number) => {
      const s = await kind.start(where, port);
      servers.push(s);
      return s;
    };
    const stop = async (s: TestServer) => {
      servers.splice(servers.indexOf(s), 1);
      await s.close();
    };

    test('after a restore, new messages reach clients that had seen later ones, and nothing old hides them', async () => {
      const where = await kind.create();
      const port = await freePort();
      const first = await start(where, port);
      const alice = await signedIn(first.url, 'alice');
      const bob = await signedIn(first.url, 'bob');
      await sent(alice, 'bob', 'one');
      await sent(bob, 'alice', 'two');
      const backup = await kind.backup(where);
      // Written after the backup: lost by the restore, but alice's client has seen them (and their seqs).
      await sent(alice, 'bob', 'three (lost)');
      await sent(bob, 'alice', 'four (lost)');
      expect(await texts(alice, 'bob')).toEqual(['one', 'two', 'three (lost)', 'four (lost)']);
      const generation = await first.server.services.store.generation();

      // The operator restores the backup: stop, restore it, start again on the same port.
      await stop(first);
      const restored = await start(await kind.restore(backup), port);
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
      const where = await kind.create();
      const port = await freePort();
      const live = await start(where, port);
      const generation = await live.server.services.store.generation();
      const backup = await kind.backup(where);
      await stop(live);
      const again = await start(where, port);
      expect(await again.server.services.store.generation()).toBe(generation);
      await stop(again);
      const seen = new Set([generation]);
      for (let i = 0; i < 2; i++) {
        const s = await start(await kind.restore(backup), await freePort());
        seen.add(await s.server.services.store.generation());
      }
      expect(seen.size).toBe(3);
    });
  });
}
