// `parley backup` taken while clients keep sending: the copy opens, is consistent, and holds every acked message.
import fs from 'node:fs';
import path from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { type AckedMessage, checkDelivery } from '../helpers/checker.js';
import { runParley } from '../helpers/cli.js';
import { TestClient, userClient } from '../helpers/client.js';
import { OutboxClient } from '../helpers/outbox.js';
import { spawnServer, startServer, tempDir } from '../helpers/server.js';

test('`parley backup` under load: the copy opens, is consistent, and holds every message acked before it began', async () => {
  const dataDir = tempDir('parley-backup-');
  const spawned = await spawnServer({ dataDir, bundled: true, args: ['--message-rate', '0', '--requests-per-second', '0', '--allow-unencrypted'] });
  onTestFinished(async () => {
    await spawned.kill('SIGKILL');
  });
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
  onTestFinished(() => senders.forEach((s) => s.stop()));
  const acked = () => senders.reduce((sum, s) => sum + s.ackedCount, 0);
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 30_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  await until(() => acked() >= 1_000, '1,000 messages are acked');
  const before: AckedMessage[] = senders.flatMap((s) => [...s.acks]);
  const ackedBefore = acked();
  const file = path.join(tempDir('parley-backup-out-'), 'parley-backup.db');
  const run = await runParley(['backup', file, '--data', dataDir], { bundled: true }).finally(() => clearInterval(feeder));
  const ackedAfter = acked();
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^Backed up 4 users and \d+ messages to .*parley-backup\.db/);
  await until(() => senders.every((s) => s.unacked === 0), 'every message is acked');
  console.log(`backup under load: ${ackedBefore} acked before it began, ${ackedAfter} when it ended, ${acked()} in all`);
  // The server kept committing from before the backup began until after it ended.
  expect(ackedAfter).toBeGreaterThan(ackedBefore);
  expect(acked()).toBeGreaterThan(ackedAfter);

  const report = checkDelivery(file, before);
  expect(report.problems).toEqual([]);
  expect(report.stored).toBeGreaterThanOrEqual(ackedBefore);
  expect(report.stored).toBeLessThanOrEqual(total);

  // The copy is a working data folder: a server started on it has everything in it.
  const restored = tempDir('parley-restored-');
  fs.copyFileSync(file, path.join(restored, 'parley.db'));
  const server = await startServer({ dataDir: restored });
  onTestFinished(() => server.close());
  const ann = await TestClient.connect(server.url);
  onTestFinished(() => ann.close());
  await ann.request('resume', { type: 'resume', token: tokens[0]! });
  const { conversations } = await ann.request('conversations', { type: 'conversations' });
  expect(conversations.length).toBe(2);

  // An existing file is never overwritten.
  const again = await runParley(['backup', file, '--data', dataDir], { bundled: true });
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already exists');
}, 60_000);
