// /healthz on PostgreSQL checks the database on each request with a short timeout: a real server process reaches
// PostgreSQL through a TCP relay the test controls, and /healthz says 503 while the relay refuses connections or
// swallows every byte (a host that stopped answering), and 200 again once the database answers.
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { createTestDatabase, servicesMissing } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const skipped = await servicesMissing({ postgres: true });

/** A relay to PostgreSQL: `open` forwards, `silent` keeps every connection but forwards nothing, `down` refuses and drops them. */
class Relay {
  mode: 'open' | 'silent' | 'down' = 'open';
  private readonly sockets = new Set<net.Socket>();
  private readonly server = net.createServer((client) => {
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk) => {
        if (this.mode === 'open') to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  });

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Refuses new connections and drops the open ones, as a stopped PostgreSQL does. */
  down(): void {
    this.mode = 'down';
    for (const socket of this.sockets) socket.destroy();
  }

  close(): void {
    this.down();
    this.server.close();
  }
}

let server: SpawnedServer | undefined;
let relay: Relay | undefined;
let drop: (() => Promise<void>) | undefined;

afterEach(async () => {
  await server?.kill('SIGKILL');
  relay?.close();
  await drop?.();
  [server, relay, drop] = [undefined, undefined, undefined];
});

async function health(): Promise<{ status: number; body: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${server!.httpUrl}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.text()).trim(), ms: Date.now() - started };
}

describe.skipIf(skipped !== null)(skipped === null ? 'healthz on PostgreSQL' : `healthz on PostgreSQL (${skipped})`, () => {
  test('503 while PostgreSQL refuses or stops answering (within the timeout), 200 again once it answers', async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const target = new URL(database.url);
    relay = new Relay({ host: target.hostname, port: Number(target.port || 5432) });
    const relayed = new URL(database.url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(await relay.listen());
    server = await spawnServer({ bundled: true, args: ['--database', relayed.toString(), '--allow-unencrypted'] });
    expect(await health()).toMatchObject({ status: 200, body: 'ok' });

    // Stopped: every connection dropped, new ones refused.
    relay.down();
    const refused = await health();
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/^database /);

    // Back: the pool reconnects and /healthz says so.
    relay.mode = 'open';
    await waitFor(async () => (await health()).status === 200, { timeoutMs: 15_000, intervalMs: 200, what: '/healthz back to 200' });

    // Silent (a host that stopped answering): the check gives up after its timeout rather than hanging.
    relay.mode = 'silent';
    const silent = await health();
    expect(silent).toMatchObject({ status: 503, body: 'database did not answer within 1000 ms' });
    expect(silent.ms).toBeLessThan(5_000);
    // Requests meanwhile share the one check in flight, and each still answers within the timeout.
    const meanwhile = await Promise.all([health(), health(), health()]);
    expect(meanwhile.map((h) => h.status)).toEqual([503, 503, 503]);

    relay.mode = 'open';
    await waitFor(async () => (await health()).status === 200, { timeoutMs: 15_000, intervalMs: 200, what: '/healthz back to 200 after the silence' });
  });
});
