// The crash test: messages sent through repeated SIGKILLs of the real server are all stored once, at their acked seq,
// gap-free; on SQLite and on PostgreSQL (a database of its own, as `parley server --database` uses it).
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { type AckedMessage, checkDelivery, checkPostgresDelivery, type DeliveryReport } from '../helpers/checker.js';
import { userClient } from '../helpers/client.js';
import { OutboxClient } from '../helpers/outbox.js';
import { spawnServer, type SpawnedServer, tempDir } from '../helpers/server.js';
import { testDatabases } from '../helpers/services.js';
import { storeKinds } from '../helpers/store-kinds.js';

interface Scenario {
  messages: number;
  /** SIGKILLs while messages are in flight; one more follows once everything is acked. */
  kills: number;
  users: number;
  /** The test-only faults (test/helpers/faults.ts), which wrap a SQLite store: with them the run is on SQLite. */
  faults?: string;
  store?: 'sqlite' | 'postgres';
}

interface Outcome {
  report: DeliveryReport;
  kills: number;
  reconnects: number;
  acks: AckedMessage[];
  errors: Record<string, number>;
}

let server: SpawnedServer | undefined;
let clients: OutboxClient[] = [];
const databases = testDatabases();

afterEach(async () => {
  for (const client of clients) client.stop();
  clients = [];
  await server?.kill('SIGKILL');
  server = undefined;
  await databases.dropAll();
});

const until = async (condition: () => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

async function runScenario(scenario: Scenario): Promise<Outcome> {
  const dataDir = tempDir('parley-crash-');
  const database = scenario.store === 'postgres' ? await databases.create() : undefined;
  const args = ['--message-rate', '0', '--allow-unencrypted', ...(database ? ['--database', database] : [])];
  server = await spawnServer({ dataDir, faults: scenario.faults, bundled: true, args });

  // A ring: user i writes to i-1 and i+1, so every conversation has two senders racing for its seqs.
  const names = Array.from({ length: scenario.users }, (_, i) => `u${i}`);
  const tokens: string[] = [];
  for (const name of names) {
    const client = await userClient(server.url, name);
    tokens.push(client.token);
    client.close();
  }
  clients = names.map((username, i) => new OutboxClient({ url: server!.url, username, token: tokens[i]!, window: 32, replayAcked: 3 }));
  for (let n = 0; n < scenario.messages; n++) {
    const i = n % scenario.users;
    const round = Math.floor(n / scenario.users);
    const peer = names[(i + (round % 2 === 0 ? 1 : scenario.users - 1)) % scenario.users]!;
    clients[i]!.enqueue({ to: peer, clientMsgId: `${names[i]}-${n}`, body: `message ${n} from ${names[i]}` });
  }
  for (const client of clients) client.start();

  const acked = () => clients.reduce((sum, c) => sum + c.ackedCount, 0);
  let kills = 0;
  const crash = async () => {
    await server!.kill('SIGKILL');
    kills++;
  };
  const step = scenario.messages / (scenario.kills + 1);
  for (let k = 1; k <= scenario.kills; k++) {
    // Somewhere in the k-th stretch of the run, not at a round number.
    const threshold = Math.floor(step * k - step / 4 + Math.random() * (step / 2));
    await until(() => acked() >= threshold, `${threshold} messages are acked (crash ${k})`);
    await crash();
    server = await server!.restart();
  }
  await until(() => clients.every((c) => c.unacked === 0), 'every message is acked');
  await crash();

  for (const client of clients) client.stop();
  const acks = clients.flatMap((c) => c.acks);
  const errors: Record<string, number> = {};
  for (const client of clients) for (const [code, n] of client.errors) errors[code] = (errors[code] ?? 0) + n;
  const report = database ? await checkPostgresDelivery(database, acks) : checkDelivery(path.join(dataDir, 'parley.db'), acks);
  return { report, kills, reconnects: clients.reduce((sum, c) => sum + c.reconnects, 0), acks, errors };
}

/** Each store's run: PostgreSQL commits more slowly, so fewer messages and kills keep its run as short as SQLite's. */
const RUNS = { sqlite: { messages: 10_000, kills: 10, users: 6 }, postgres: { messages: 3_000, kills: 5, users: 6 } } as const;

for (const kind of await storeKinds()) {
  const { messages, kills, users } = RUNS[kind.name];
  const title = `${messages.toLocaleString('en')} messages through ${kills + 1} SIGKILLs on ${kind.name}: every acked message stored exactly once at its acked seq, no gaps`;
  test.skipIf(kind.skipped !== null)(kind.skipped === null ? title : `${title} (${kind.skipped})`, async () => {
    const outcome = await runScenario({ messages, kills, users, store: kind.name });
    console.log(
      `crash test on ${kind.name}: ${outcome.report.acked} acked, ${outcome.report.stored} stored in ${outcome.report.conversations} conversations, ` +
        `${outcome.kills} SIGKILLs, ${outcome.reconnects} reconnects, ${outcome.acks.length} acks (resends included), errors ${JSON.stringify(outcome.errors)}`,
    );
    expect(outcome.report.problems).toEqual([]);
    expect(outcome.report.acked).toBe(messages);
    expect(outcome.report.stored).toBe(messages);
    expect(outcome.kills).toBeGreaterThanOrEqual(kills);
    // Acked messages were replayed after reconnects and answered with their original seq.
    expect(outcome.acks.length).toBeGreaterThan(messages);
  }, 120_000);
}

// The negative controls break a SQLite store on purpose (test/helpers/faults.ts); they prove the checker, which is
// the same for both stores, so they run on SQLite only.
test('negative control: acking before the commit makes the checker report lost messages', async () => {
  const outcome = await runScenario({ messages: 1_500, kills: 3, users: 4, faults: 'ack-before-commit' });
  console.log(`ack-before-commit: ${outcome.report.problems.join('; ')}`);
  expect(outcome.report.ok).toBe(false);
  expect(outcome.report.lost.length).toBeGreaterThan(0);
}, 60_000);

test('negative control: skipping the dedupe makes the checker report duplicates', async () => {
  const outcome = await runScenario({ messages: 1_500, kills: 3, users: 4, faults: 'skip-dedupe' });
  console.log(`skip-dedupe: ${outcome.report.problems.join('; ')}`);
  expect(outcome.report.ok).toBe(false);
  expect(outcome.report.duplicated.length).toBeGreaterThan(0);
}, 60_000);

test('the fault switches are refused outside tests', async () => {
  const started = spawnServer({ faults: 'skip-dedupe', env: { NODE_ENV: 'production' } });
  await expect(started).rejects.toThrow(/PARLEY_TEST_FAULTS breaks delivery on purpose and is refused unless NODE_ENV=test/);
});
