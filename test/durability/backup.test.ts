// `parley backup` taken while clients keep sending, on SQLite and on PostgreSQL (through pg_dump): the copy opens, is
// consistent, holds every acked message, and a server started on it (a restore) has everything in it.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { PostgresStore } from '../../src/server/store/postgres/store.js';
import { type AckedMessage, checkDelivery, checkPostgresDelivery, type DeliveryReport } from '../helpers/checker.js';
import { runParley } from '../helpers/cli.js';
import { TestClient, userClient } from '../helpers/client.js';
import { OutboxClient } from '../helpers/outbox.js';
import { spawnServer, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { servicesMissing, testDatabases } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

/** What is undone after each test, in order (clients and servers), before the databases they used are dropped. */
const cleanups: (() => unknown)[] = [];
const databases = testDatabases();
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await databases.dropAll();
});

interface Kind {
  name: string;
  skipped: string | null;
  /** A new, empty database: the arguments that name it to `parley server` and `parley backup`. */
  database(): Promise<string[]>;
  /** The copy read back and checked against the acks. */
  check(file: string, acks: AckedMessage[]): Promise<DeliveryReport>;
  /** A server started on a restore of the copy, as docs/operations.md tells the operator to make one. */
  restore(file: string): Promise<TestServer>;
}

const kinds: Kind[] = [
  {
    name: 'sqlite',
    skipped: null,
    database: async () => ['--data', tempDir('parley-backup-')],
    check: async (file, acks) => checkDelivery(file, acks),
    restore: async (file) => {
      const restored = tempDir('parley-restored-');
      fs.copyFileSync(file, path.join(restored, 'parley.db'));
      return startServer({ dataDir: restored });
    },
  },
  {
    name: 'postgres',
    skipped: await servicesMissing({ postgres: true, pgTools: true }),
    database: async () => ['--database', await databases.create()],
    // The archive is read back through pg_restore: a copy that does not restore is no backup.
    check: async (file, acks) => checkPostgresDelivery(await databases.restore(file), acks),
    restore: async (file) => startServer({ store: await PostgresStore.open({ url: await databases.restore(file) }) }),
  },
];

for (const kind of kinds) {
  describe(kind.skipped === null ? kind.name : `${kind.name} (${kind.skipped})`, () => {
    test.skipIf(kind.skipped !== null)(
      '`parley backup` under load: the copy opens, is consistent, and holds every message acked before it began',
      async () => {
        const where = await kind.database();
        const spawned = await spawnServer({ bundled: true, args: [...where, '--message-rate', '0', '--requests-per-second', '0', '--allow-unencrypted'] });
        cleanups.unshift(() => spawned.kill('SIGKILL'));
        const names = ['ann', 'ben', 'cat', 'dan'];
        const tokens: string[] = [];
        for (const name of names) {
          const c = await userClient(spawned.url, name);
          tokens.push(c.token);
          c.close();
        }
        const senders = names.map((username, i) => new OutboxClient({ url: spawned.url, username, token: tokens[i]!, window: 16 }));
        // Load that lasts as long as the backup does: the outboxes are topped up until it has finished.
        let total = 0;
        const topUp = () => {
          if (senders.some((s) => s.unacked > 200)) return;
          for (let k = 0; k < 400; k++, total++) {
            const i = total % names.length;
            senders[i]!.enqueue({ to: names[(i + 1) % names.length]!, clientMsgId: `${names[i]}-${total}`, body: `message ${total}` });
          }
        };
        topUp();
        const feeder = setInterval(topUp, 5);
        for (const sender of senders) sender.start();
        cleanups.unshift(() => senders.forEach((s) => s.stop()));
        const acked = () => senders.reduce((sum, s) => sum + s.ackedCount, 0);
        const until = (condition: () => boolean, what: string) => waitFor(condition, { timeoutMs: 30_000, intervalMs: 5, what });

        await until(() => acked() >= 1_000, '1,000 messages are acked');
        const before: AckedMessage[] = senders.flatMap((s) => [...s.acks]);
        const ackedBefore = acked();
        const file = path.join(tempDir('parley-backup-out-'), 'parley-backup.db');
        const run = await runParley(['backup', file, ...where], { bundled: true }).finally(() => clearInterval(feeder));
        const ackedAfter = acked();
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^Backed up 4 users and \d+ messages to .*parley-backup\.db/);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        await until(() => senders.every((s) => s.unacked === 0), 'every message is acked');
        console.log(`backup under load (${kind.name}): ${ackedBefore} acked before it began, ${ackedAfter} when it ended, ${acked()} in all`);
        // The server kept committing from before the backup began until after it ended.
        expect(ackedAfter).toBeGreaterThan(ackedBefore);
        expect(acked()).toBeGreaterThan(ackedAfter);

        const report = await kind.check(file, before);
        expect(report.problems).toEqual([]);
        expect(report.stored).toBeGreaterThanOrEqual(ackedBefore);
        expect(report.stored).toBeLessThanOrEqual(total);
        // The count it printed is the copy's.
        expect(run.stdout).toContain(`and ${report.stored} messages`);

        // The copy is a working database: a server started on a restore of it has everything in it.
        const server = await kind.restore(file);
        cleanups.unshift(() => server.close());
        const ann = await TestClient.connect(server.url);
        cleanups.unshift(() => ann.close());
        await ann.request('resume', { type: 'resume', token: tokens[0]! });
        const { conversations } = await ann.request('conversations', { type: 'conversations' });
        expect(conversations.length).toBe(2);

        // An existing file is never overwritten.
        const again = await runParley(['backup', file, ...where], { bundled: true });
        expect(again.code).toBe(1);
        expect(again.stderr).toContain('already exists');
      },
      60_000,
    );
  });
}
