// Option parsing of `npm run bench`: defaults, the two load modes, loopback-only URLs and the bounds.
import { describe, expect, it } from 'vitest';
import { BOUNDS, checkLoopbackUrl, DEFAULT_REDIS, parseBenchArgs, UsageError, type BenchOptions } from './args.js';

const parse = (...argv: string[]): BenchOptions => {
  const o = parseBenchArgs(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};

describe('parseBenchArgs', () => {
  it('defaults to 100 users, closed loop W=8, 100,000 messages of 100 bytes, own server, pinned', () => {
    const o = parse();
    expect(o.users).toBe(100);
    expect(o.mode).toEqual({ kind: 'closed', window: 8 });
    expect(o.messages).toBe(100_000);
    expect(o.durationSec).toBeNull();
    expect(o.size).toBe(100);
    expect(o.url).toBeNull();
    expect(o.pin).toBe(true);
    expect([o.serverCpu, o.generatorCpu]).toEqual([0, 1]);
    expect(o.idle).toBe(0);
  });

  it('--compare runs rounds of Parley and the prototype; --bare measures the prototype alone; both start their own servers', () => {
    expect(parse().compareRounds).toBe(0);
    expect(parse('--compare').compareRounds).toBe(3);
    expect(parse('--compare', '--rounds', '5').compareRounds).toBe(5);
    expect(parse('--bare').bare).toBe(true);
    expect(() => parse('--rounds', '2')).toThrow(UsageError);
    expect(() => parse('--compare', '--bare')).toThrow(UsageError);
    expect(() => parse('--compare', '--url', 'ws://127.0.0.1:5/ws')).toThrow(UsageError);
    expect(() => parse('--bare', '--data', '/tmp/x')).toThrow(UsageError);
    expect(() => parse('--compare', '--rounds', '0')).toThrow(UsageError);
  });

  it('reads the open loop and a duration', () => {
    const o = parse('--rate', '5000', '--duration', '20', '--users', '50', '--size', '10');
    expect(o.mode).toEqual({ kind: 'open', rate: 5000 });
    expect(o.durationSec).toBe(20);
    expect(o.messages).toBeNull();
    expect(o.users).toBe(50);
    expect(o.size).toBe(10);
  });

  it('rejects contradictory or unbounded choices', () => {
    expect(() => parse('--window', '8', '--rate', '10')).toThrow(UsageError);
    expect(() => parse('--messages', '10', '--duration', '10')).toThrow(UsageError);
    expect(() => parse('--duration', String(BOUNDS.durationSec + 1))).toThrow(/between/);
    expect(() => parse('--messages', '0')).toThrow(UsageError);
    expect(() => parse('--users', '1')).toThrow(UsageError);
    expect(() => parse('--users', 'ten')).toThrow(/whole number/);
    expect(() => parse('--idle', String(BOUNDS.idle + 1))).toThrow(UsageError);
    expect(() => parse('--bogus')).toThrow(UsageError);
    expect(() => parse('--server-cpu', '1', '--generator-cpu', '1')).toThrow(/differ/);
  });

  it('--contacts K: each user writes to K of the others, fewer than --users, and only in the 1:1 benchmark', () => {
    expect(parse().contacts).toBe(0);
    expect(parse('--contacts', '4').contacts).toBe(4);
    expect(parse('--users', '10', '--contacts', '9').contacts).toBe(9);
    expect(() => parse('--users', '10', '--contacts', '10')).toThrow(/between 1 and 9/);
    expect(() => parse('--contacts', '0')).toThrow(UsageError);
    expect(() => parse('--group', '10', '--contacts', '2')).toThrow(/1:1/);
  });

  it('registers more accounts than connect, and puts idle and login-wave connections on the spare ones', () => {
    expect(parse().accounts).toBe(1_000);
    expect(parse('--users', '1500').accounts).toBe(1_600);
    expect(parse('--idle', '10000', '--login-wave', '1000')).toMatchObject({ idle: 10_000, loginWave: 1_000 });
    expect(() => parse('--users', '50', '--accounts', '49')).toThrow(/at least --users/);
    expect(() => parse('--users', '50', '--accounts', '50', '--idle', '10')).toThrow(/beyond --users/);
    expect(() => parse('--users', '50', '--accounts', '50', '--login-wave', '10')).toThrow(/beyond --users/);
  });

  it('drives independent clients by default and the batched generator on request', () => {
    expect(parse().clients).toBe('independent');
    expect(parse('--clients', 'batched').clients).toBe('batched');
    expect(() => parse('--clients', 'fast')).toThrow(/independent or batched/);
  });

  it('keeps server-only options away from --url', () => {
    expect(() => parse('--server-pid', '12')).toThrow(/--url/);
    expect(() => parse('--url', 'ws://127.0.0.1:1/ws', '--data', '/tmp/x')).toThrow(UsageError);
    const o = parse('--url', 'ws://127.0.0.1:5000/ws', '--server-pid', '42', '--no-pin', '--json');
    expect(o.serverPid).toBe(42);
    expect(o.pin).toBe(false);
    expect(o.json).toBe(true);
  });

  it('has no group unless --group, and keeps the group options to it', () => {
    expect(parse().group).toBeNull();
    expect(() => parse('--senders', '3')).toThrow(/with --group/);
    expect(() => parse('--fanout', '10')).toThrow(/with --group/);
    expect(() => parse('--baseline', '10')).toThrow(/with --group/);
  });

  it('--group N: an open loop at 1,000 msg/s for 20 s, 10 senders, fan-out rows 10/100/1000, a 1:1 baseline', () => {
    const o = parse('--group', '100');
    expect(o.mode).toEqual({ kind: 'open', rate: 1000 });
    expect(o.durationSec).toBe(20);
    expect(o.messages).toBeNull();
    expect(o.group).toEqual({ members: 100, senders: 10, fanout: [10, 100, 1000], baselineMessages: 50_000, connections: 1000 });
    // Enough accounts for the largest group, and some to spare.
    expect(o.accounts).toBe(1_100);
  });

  it('--group reads its rate, bound, senders, rows and baseline', () => {
    const o = parse('--group', '50', '--rate', '200', '--messages', '3000', '--senders', '50', '--fanout', '20, 5,20', '--baseline', '0', '--users', '10');
    expect(o.mode).toEqual({ kind: 'open', rate: 200 });
    expect([o.messages, o.durationSec]).toEqual([3000, null]);
    expect(o.group).toEqual({ members: 50, senders: 50, fanout: [5, 20], baselineMessages: 0, connections: 50 });
    expect(parse('--group', '3', '--fanout', 'none').group).toMatchObject({ senders: 3, fanout: [], connections: 100 });
  });

  it('--group refuses sizes outside 2..1000, more senders than members, a window, and the 1:1-only modes', () => {
    expect(() => parse('--group', '1')).toThrow(/between 2 and 1000/);
    expect(() => parse('--group', '1001')).toThrow(/between 2 and 1000/);
    expect(() => parse('--group', '10', '--fanout', '10,1001')).toThrow(/--fanout/);
    expect(() => parse('--group', '10', '--fanout', 'ten')).toThrow(/whole number/);
    expect(() => parse('--group', '10', '--senders', '11')).toThrow(/--senders/);
    expect(() => parse('--group', '10', '--window', '8')).toThrow(/open loop/);
    expect(() => parse('--group', '10', '--compare')).toThrow(/Parley alone/);
    expect(() => parse('--group', '10', '--idle', '100')).toThrow(/Parley alone/);
    expect(() => parse('--group', '10', '--fanout', 'none', '--accounts', '50')).toThrow(/largest group/);
  });

  it('--nodes N on --database: a fresh database on that loopback PostgreSQL, Redis by default from 2 nodes on', () => {
    expect(parse()).toMatchObject({ nodes: 1, database: null, redis: null });
    const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
    expect(parse('--database', pgUrl)).toMatchObject({ nodes: 1, database: pgUrl, redis: null });
    expect(parse('--database', pgUrl, '--nodes', '3')).toMatchObject({ nodes: 3, database: pgUrl, redis: DEFAULT_REDIS });
    expect(parse('--database', pgUrl, '--nodes', '2', '--redis', 'redis://localhost:6380')).toMatchObject({ redis: 'redis://localhost:6380' });
    expect(parse('--database', pgUrl, '--redis', 'redis://127.0.0.1:6379')).toMatchObject({ nodes: 1, redis: 'redis://127.0.0.1:6379' });
    expect(parse('--database', 'postgresql://u:p@[::1]/db').database).toBe('postgresql://u:p@[::1]/db');
  });

  it('--nodes stays within 1..8 and needs --database; the URLs must be loopback and of their kind', () => {
    const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
    expect(parse('--database', pgUrl, '--nodes', String(BOUNDS.nodes)).nodes).toBe(8);
    expect(() => parse('--database', pgUrl, '--nodes', '9')).toThrow(/between 1 and 8/);
    expect(() => parse('--database', pgUrl, '--nodes', '0')).toThrow(/between 1 and 8/);
    expect(() => parse('--nodes', '2')).toThrow(/need --database/);
    expect(() => parse('--redis', 'redis://127.0.0.1:6379')).toThrow(/need --database/);
    expect(() => parse('--database', 'postgres://db.example.org/x')).toThrow(/loopback/);
    expect(() => parse('--database', 'mysql://127.0.0.1/x')).toThrow(/postgres:/);
    expect(() => parse('--database', pgUrl, '--nodes', '2', '--redis', 'redis://10.0.0.2:6379')).toThrow(/loopback/);
    expect(() => parse('--database', pgUrl, '--redis', 'http://127.0.0.1:6379')).toThrow(/redis:/);
    expect(() => parse('--database', 'not a url')).toThrow(/not a URL/);
  });

  it('keeps --nodes, --database and --redis to the 1:1 benchmark on its own Parley servers', () => {
    const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
    for (const other of [['--url', 'ws://127.0.0.1:5/ws'], ['--data', '/tmp/x'], ['--bare'], ['--compare'], ['--group', '10']]) {
      expect(() => parse('--database', pgUrl, ...other)).toThrow(/of their own/);
      expect(() => parse('--nodes', '1', ...other)).toThrow(/of their own/);
    }
  });

  it('answers --help', () => {
    expect(parseBenchArgs(['--help'])).toBe('help');
  });
});

describe('checkLoopbackUrl', () => {
  it('accepts loopback WebSocket URLs and adds the /ws path', () => {
    expect(checkLoopbackUrl('ws://127.0.0.1:50000')).toBe('ws://127.0.0.1:50000/ws');
    expect(checkLoopbackUrl('ws://localhost:1/ws')).toBe('ws://localhost:1/ws');
  });

  it('refuses anything that is not loopback', () => {
    expect(() => checkLoopbackUrl('ws://10.0.0.2:50000/ws')).toThrow(/loopback/);
    expect(() => checkLoopbackUrl('ws://example.org/ws')).toThrow(/loopback/);
    expect(() => checkLoopbackUrl('http://127.0.0.1:1/ws')).toThrow(/ws:/);
    expect(() => checkLoopbackUrl('not a url')).toThrow(UsageError);
  });
});
