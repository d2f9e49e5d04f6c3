// CI-sized benchmarks: `npm run bench` (1:1 and --group) against a real server (its own, on a free port) lose and duplicate nothing.
// No timing assertions: performance is measured by the benchmark, not asserted by tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { expect, it } from 'vitest';
import { servicesMissing, TEST_POSTGRES_URL, TEST_REDIS_URL } from '../test/helpers/services.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The --nodes test needs the machine's PostgreSQL and Redis: skipped without them, except under CI=true (it fails there).
const servicesSkipped = await servicesMissing({ postgres: true, redis: true });

/** Runs `npm run bench -- ARGS` as a child, killed after `killAfterMs`; its exit code and output. */
async function runBenchChild(args: readonly string[], killAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGTERM'), killAfterMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

it('bench --users 20 --messages 2000 delivers every message exactly once', async () => {
  const { code, stdout, stderr } = await runBenchChild(['--users', '20', '--accounts', '40', '--messages', '2000', '--json', '--drain', '15'], 25_000);
  expect(stderr, 'the generator printed errors').not.toMatch(/bench:/);
  const report = JSON.parse(stdout) as {
    ok: boolean;
    failures: string[];
    load: { totals: { sent: number; acked: number; delivered: number; lost: number; duplicated: number } };
  };
  expect(report.failures).toEqual([]);
  expect(report.load.totals).toMatchObject({ sent: 2000, acked: 2000, delivered: 2000, lost: 0, duplicated: 0 });
  expect(report.ok).toBe(true);
  expect(code).toBe(0);
}, 30_000);

it('bench --compare runs Parley and the prototype under the same load and reports the ratio', async () => {
  const { code, stdout } = await runBenchChild(['--compare', '--rounds', '1', '--users', '10', '--accounts', '30', '--messages', '1000', '--json'], 50_000);
  const report = JSON.parse(stdout) as { ok: boolean; runs: { server: { program: string }; load: { totals: { delivered: number; lost: number } } }[]; ratios: { throughput: number } };
  expect(report.runs.map((r) => r.server.program)).toEqual(['parley', 'bare']);
  for (const r of report.runs) expect(r.load.totals).toMatchObject({ delivered: 1000, lost: 0 });
  expect(report.ratios.throughput).toBeGreaterThan(0);
  expect(report.ok).toBe(true);
  expect(code).toBe(0);
}, 60_000);

it('bench --group 10 makes its groups on a real server and every member gets every message once', async () => {
  const args = ['--group', '10', '--rate', '200', '--messages', '300', '--fanout', '3', '--baseline', '500', '--users', '10', '--accounts', '30', '--json', '--drain', '15'];
  // The first run registers 30 accounts with keys into a template (argon2id each).
  const { code, stdout, stderr } = await runBenchChild(args, 80_000);
  expect(stderr, 'the generator printed errors').not.toMatch(/bench:/);
  const report = JSON.parse(stdout) as {
    ok: boolean;
    failures: string[];
    baseline: { load: { totals: { delivered: number; lost: number } } };
    rows: { members: number; load: { totals: { sent: number; complete: number; pushes: number; pushesLost: number; duplicated: number; echoes: number } } }[];
  };
  expect(report.failures).toEqual([]);
  expect(report.baseline.load.totals).toMatchObject({ delivered: 500, lost: 0 });
  expect(report.rows.map((r) => r.members)).toEqual([10, 3]);
  for (const r of report.rows) expect(r.load.totals).toMatchObject({ sent: 300, complete: 300, pushes: 300 * (r.members - 1), pushesLost: 0, duplicated: 0, echoes: 0 });
  expect(report.ok).toBe(true);
  expect(code).toBe(0);
}, 90_000);

it.skipIf(servicesSkipped !== null)(`bench --nodes 2 --database spreads the users over two nodes and drops its database${servicesSkipped === null ? '' : ` (${servicesSkipped})`}`, async () => {
  const args = ['--nodes', '2', '--database', TEST_POSTGRES_URL, '--redis', TEST_REDIS_URL, '--users', '20', '--accounts', '40', '--messages', '2000', '--json', '--drain', '15'];
  const { code, stdout, stderr } = await runBenchChild(args, 50_000);
  expect(stderr, 'the generator printed errors').not.toMatch(/bench:/);
  const report = JSON.parse(stdout) as {
    ok: boolean;
    failures: string[];
    cluster: { database: string; redis: string; nodes: { pid: number; users: number; loadPercent: number }[] };
    load: {
      totals: { sent: number; delivered: number; lost: number; duplicated: number };
      latencyMs: { count: number; p50: number; p99: number };
      byPath: { crossNode: { count: number; p50: number; p99: number }; sameNode: { count: number } };
    };
  };
  expect(report.failures).toEqual([]);
  expect(report.load.totals).toMatchObject({ sent: 2000, delivered: 2000, lost: 0, duplicated: 0 });
  expect(report.cluster.nodes.map((n) => n.users)).toEqual([10, 10]);
  expect(new Set(report.cluster.nodes.map((n) => n.pid)).size).toBe(2);
  expect(report.cluster.redis).toBe(TEST_REDIS_URL);
  // Every delivery is either cross-node or same-node; with 10 users a node, 10 of a sender's 19 peers are on the other one.
  const { crossNode, sameNode } = report.load.byPath;
  expect(crossNode.count + sameNode.count).toBe(2000);
  expect(crossNode.count).toBeGreaterThan(700);
  expect(crossNode.p99).toBeGreaterThanOrEqual(crossNode.p50);
  expect(report.ok).toBe(true);
  expect(code).toBe(0);
  // The run's own database is gone.
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [report.cluster.database])).rowCount).toBe(0);
  } finally {
    await admin.end();
  }
}, 60_000);
