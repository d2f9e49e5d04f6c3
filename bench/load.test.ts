// The generator against a fake server: a clean run passes, and a dropped or doubled delivery fails the run.
import { afterEach, describe, expect, it } from 'vitest';
import { parseBenchArgs, type BenchOptions } from './args.js';
import { runBench } from './bench.js';
import { startFakeServer, type FakeServer, type FakeServerFaults } from './fake-server.js';
import { formatReport } from './report.js';
import { RunIds } from './load.js';
import { ClientMsgId } from '../src/shared/protocol.js';

let fake: FakeServer | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function benchAgainstFake(faults: FakeServerFaults, ...argv: string[]) {
  fake = await startFakeServer(faults);
  const options = parseBenchArgs(['--url', fake.url, '--no-pin', '--no-progress', '--drain', '2', '--accounts', '40', ...argv]) as BenchOptions;
  return runBench(options);
}

describe.each(['independent', 'batched'] as const)('runBench against a fake server, %s clients', (clients) => {
  const bench = (faults: FakeServerFaults, ...argv: string[]) => benchAgainstFake(faults, '--clients', clients, ...argv);

  it('reports a clean closed-loop run as OK with every message delivered once', async () => {
    const r = await bench({}, '--users', '5', '--window', '4', '--messages', '500');
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.options.clients).toBe(clients);
    expect(r.load.totals).toMatchObject({ sent: 500, acked: 500, delivered: 500, lost: 0, duplicated: 0 });
    expect(r.load.latencyMs.count).toBe(500);
    expect(r.register.count).toBe(40);
    expect(formatReport(r)).toMatch(/result\s+OK/);
    expect(formatReport(r)).toContain(`${clients} clients`);
    // Independent clients mask as browsers do; the batched generator's zero masks spare it the XOR.
    expect(fake!.wire.frames).toBeGreaterThanOrEqual(500);
    if (clients === 'independent') expect(fake!.wire.zeroMasks).toBe(0);
    else expect(fake!.wire.zeroMasks).toBeGreaterThanOrEqual(500);
  });

  it('reads frames of an unusual layout and still counts everything', async () => {
    const r = await bench({ unusualLayout: true, duplicateEvery: 50 }, '--users', '4', '--messages', '200');
    expect(r.load.totals).toMatchObject({ sent: 200, acked: 200, delivered: 200, lost: 0, duplicated: 4 });
    expect(r.load.ackMismatches).toBe(0);
  });

  it('runs an open loop at a fixed rate', async () => {
    const r = await bench({}, '--users', '4', '--rate', '2000', '--messages', '400');
    expect(r.ok).toBe(true);
    expect(r.load.totals.delivered).toBe(400);
    expect(r.load.offeredRate).toBeGreaterThan(0);
  });

  it('fails the run when the server loses messages', async () => {
    const r = await bench({ dropEvery: 50 }, '--users', '4', '--messages', '200');
    expect(r.ok).toBe(false);
    expect(r.load.totals.lost).toBe(4);
    expect(r.failures.join()).toMatch(/4 messages lost/);
  });

  it('fails the run when the server delivers a message twice', async () => {
    const r = await bench({ duplicateEvery: 40 }, '--users', '4', '--messages', '200');
    expect(r.ok).toBe(false);
    expect(r.load.totals).toMatchObject({ lost: 0, duplicated: 5 });
    expect(formatReport(r)).toMatch(/FAILED: 5 messages duplicated/);
  });

  it('--contacts K sends each user\'s messages to its K ring neighbours only, every one of them', async () => {
    const r = await bench({}, '--users', '8', '--contacts', '3', '--messages', '800');
    expect(r.ok).toBe(true);
    expect(r.load.totals).toMatchObject({ sent: 800, delivered: 800 });
    // Users are PREFIX-u0 … PREFIX-u7; user i's contacts are i + 1, i − 1 and i + 2 around the ring.
    expect(fake!.wroteTo.size).toBe(8);
    const prefix = [...fake!.wroteTo.keys()][0]!.replace(/-u\d+$/, '');
    const user = (i: number): string => `${prefix}-u${i % 8}`;
    for (let i = 0; i < 8; i++) expect([...fake!.wroteTo.get(user(i))!].sort()).toEqual([user(i + 1), user(i + 7), user(i + 2)].sort());
    expect(formatReport(r)).toContain('8 users with 3 contacts each');
  });

  it('holds idle connections and reports them', async () => {
    const r = await bench({}, '--users', '3', '--messages', '30', '--idle', '20');
    expect(r.ok).toBe(true);
    expect(r.memory.idle).toMatchObject({ from: 2, to: 20, stillOpenAfterLoad: 20 });
  });

  it('logs a wave of connections in by password, keeps them open and reports the memory per connection', async () => {
    const r = await bench({}, '--users', '3', '--messages', '30', '--login-wave', '12', '--idle', '20');
    expect(r.ok).toBe(true);
    expect(fake!.logins).toBe(12);
    expect(r.memory.loginWave).toMatchObject({ count: 12, totalConnections: 12 + 3 + 20 });
    expect(r.memory.idle).toMatchObject({ to: 20, stillOpenAfterLoad: 20 });
    expect(formatReport(r)).toMatch(/login wave\s+12 password logins/);
  });
});

describe('RunIds', () => {
  it('makes ids shaped like the SDK’s that sort by send time and give back their message number', () => {
    const ids = new RunIds('a1b2c3');
    const made = [ids.make(7, 1_700_000_000_000), ids.make(36 ** 2, 1_700_000_000_001), ids.make(3, 1_700_000_000_002)];
    expect([...made].sort()).toEqual(made);
    for (const id of made) expect(ClientMsgId.safeParse(id).success).toBe(true);
    expect(made.map((id) => ids.seqOf(id))).toEqual([7, 36 ** 2, 3]);
    expect(ids.seqOf(new RunIds('ffffff').make(7))).toBe(-1);
  });
});
