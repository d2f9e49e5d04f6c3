// At the open-file limit the server says so: one log line per interval, /healthz 503 with the reason, 503 to new clients; then recovers.
import fs from 'node:fs';
import http from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { TestClient } from '../helpers/client.js';
import { type SpawnedServer, spawnServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const FILE_LIMIT = 400;

let server: SpawnedServer | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.kill();
  server = undefined;
});

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

const lines = (output: string, text: string) => output.split('\n').filter((line) => line.includes(text)).length;

describe.skipIf(!fs.existsSync('/proc/self/limits'))('the open-file limit', () => {
  test('connections past it get 503, /healthz says why, one line is logged, and closing connections restores service', async () => {
    server = await spawnServer({ fileLimit: FILE_LIMIT, args: ['--max-connections-per-address', '0'] });
    const refusals: string[] = [];
    // Far more WebSockets than the limit allows; every one either opens or is refused with a status.
    for (let i = 0; i < 2 * FILE_LIMIT && refusals.length < 5; i++) {
      await TestClient.connect(server.url).then(
        (client) => clients.push(client),
        (error: Error) => refusals.push(error.message),
      );
    }
    expect(clients.length).toBeGreaterThan(300);
    expect(refusals).toHaveLength(5);
    for (const refusal of refusals) expect(refusal).toMatch(/503/);

    const health = await get(server.port, '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatch(/^at the open-file limit \(400\): new connections are refused until some close\n$/);
    const page = await get(server.port, '/');
    expect(page).toEqual({ status: 503, body: 'The server has too many connections open right now; try again shortly.\n' });
    await waitFor(() => server!.output().includes('connections refused at the open-file limit'), { what: 'the log line' });
    // Seven connections refused, one line: the rest are counted in the next one.
    expect(lines(server.output(), 'connections refused at the open-file limit')).toBe(1);

    for (const client of clients.splice(0)) client.close();
    await waitFor(async () => (await get(server!.port, '/healthz')).status === 200, { timeoutMs: 15_000, intervalMs: 100, what: '/healthz back to 200' });
    await waitFor(() => server!.output().includes('below the open-file limit again'), { what: 'the recovery line' });
    const back = await TestClient.connect(server.url);
    clients.push(back);
    expect(back.closeCode).toBeUndefined();
  }, 60_000);
});
