// The group benchmark against the fake server: a clean run counts every push once and times the last member;
// a dropped or doubled push fails the run; the rows follow the main row's pushes per second.
import { afterEach, describe, expect, it } from 'vitest';
import { parseBenchArgs, type BenchOptions } from './args.js';
import { startFakeServer, type FakeServer, type FakeServerFaults } from './fake-server.js';
import { runGroupBench } from './group-bench.js';
import { formatGroupReport, groupTable, planRows } from './group-report.js';

let fake: FakeServer | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function groupBench(faults: FakeServerFaults, ...argv: string[]) {
  fake = await startFakeServer(faults);
  const options = parseBenchArgs(['--url', fake.url, '--no-pin', '--no-progress', '--drain', '2', '--accounts', '40', '--users', '5', ...argv]) as BenchOptions;
  return runGroupBench(options);
}

describe('planRows', () => {
  it('puts the main row first, then each size at the main row’s pushes per second, capped at its rate', () => {
    expect(planRows(100, 1000, [10, 100, 1000])).toEqual([
      { members: 100, rate: 1000 },
      { members: 10, rate: 1000 },
      { members: 1000, rate: 99 },
    ]);
    expect(planRows(2, 50, [])).toEqual([{ members: 2, rate: 50 }]);
    expect(planRows(1000, 10, [1000, 500])).toEqual([
      { members: 1000, rate: 10 },
      { members: 500, rate: 10 },
    ]);
    expect(planRows(10, 100, [1000])).toEqual([
      { members: 10, rate: 100 },
      { members: 1000, rate: 1 },
    ]);
  });
});

describe.each(['independent', 'batched'] as const)('runGroupBench against a fake server, %s clients', (clients) => {
  const bench = (faults: FakeServerFaults, ...argv: string[]) => groupBench(faults, '--clients', clients, ...argv);

  it('makes each group with signed changes, counts every push once and times the last member', async () => {
    const r = await bench({}, '--group', '12', '--rate', '400', '--messages', '200', '--senders', '3', '--fanout', '3,30', '--baseline', '300');
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.connect.count).toBe(30);
    expect(r.baseline?.load.totals).toMatchObject({ sent: 300, delivered: 300, lost: 0 });
    expect(r.rows.map((row) => [row.members, row.rate, row.senders])).toEqual([
      [12, 400, 3],
      [3, 400, 3],
      [30, 152, 3],
    ]);
    for (const row of r.rows) {
      expect(row.load.totals).toMatchObject({ sent: 200, acked: 200, complete: 200, pushes: 200 * (row.members - 1), pushesLost: 0, duplicated: 0, echoes: 0 });
      expect(row.load.latencyMs.lastMember.count).toBe(200);
      expect(row.load.latencyMs.lastMember.p99).toBeGreaterThanOrEqual(row.load.latencyMs.firstMember.p99);
      expect(row.load.latencyMs.ack.count).toBe(200);
      // The membership events of each group came before its load and are not counted in it.
      expect(row.load.otherEvents).toBe(0);
    }
    expect(formatGroupReport(r)).toMatch(/result\s+OK/);
    expect(groupTable(r).split('\n')).toHaveLength(2 + 3);
  });

  it('fails the run when the server loses pushes', async () => {
    const r = await bench({ dropEvery: 97 }, '--group', '10', '--rate', '500', '--messages', '100', '--fanout', 'none', '--baseline', '0');
    expect(r.ok).toBe(false);
    expect(r.rows[0]!.load.totals.pushesLost).toBe(Math.floor(900 / 97));
    expect(r.rows[0]!.load.totals.complete).toBe(100 - Math.floor(900 / 97));
    expect(r.failures.join()).toMatch(/10 members: 9 pushes to members lost \(not in by the end of the drain\)/);
  });

  it('fails the run when the server pushes a message twice to a member', async () => {
    const r = await bench({ duplicateEvery: 100 }, '--group', '10', '--rate', '500', '--messages', '100', '--fanout', 'none', '--baseline', '0');
    expect(r.ok).toBe(false);
    expect(r.rows[0]!.load.totals).toMatchObject({ pushesLost: 0, duplicated: 9, complete: 100 });
    expect(formatGroupReport(r)).toMatch(/FAILED: 10 members: 9 pushes duplicated/);
  });
});
