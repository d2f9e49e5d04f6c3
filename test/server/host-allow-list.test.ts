// DNS rebinding: the server answers only requests addressed to its own names and addresses, over HTTP and WebSocket.
import http from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { lanAddresses } from '../../src/server/network.js';
import { TestClient } from '../helpers/client.js';
import { type SpawnedServer, spawnServer } from '../helpers/server.js';

let server: SpawnedServer | undefined;

afterEach(async () => {
  await server?.kill();
  server = undefined;
});

/** A GET to the server at `address` carrying the given Host header, as a rebound browser would send it. */
function get(address: string, port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: address, port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

test('a forged Host gets 421 with a sentence; the banner addresses, localhost and --public-url are answered', async () => {
  server = await spawnServer({ args: ['--host', '0.0.0.0'], env: { PARLEY_PUBLIC_URL: 'https://chat.example.org' } });
  const { port } = server;
  expect(server.output()).toContain('Public address:   https://chat.example.org/');

  for (const path of ['/', '/healthz', '/api/session', '/index.html']) {
    const forged = await get('127.0.0.1', port, path, `evil.example:${port}`);
    expect(forged.status).toBe(421);
    expect(forged.body).toMatch(/does not answer to the name/);
    expect(forged.body).not.toMatch(/<html|<script/i);
  }
  expect((await get('127.0.0.1', port, '/healthz', 'chat.example.org.evil.example')).status).toBe(421);
  expect((await get('127.0.0.1', port, '/healthz', 'evil.example@127.0.0.1')).status).toBe(421);

  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'chat.example.org', 'CHAT.example.org:443']) {
    expect((await get('127.0.0.1', port, '/healthz', host)).status, host).toBe(200);
  }
  // From another machine on the LAN, the browser sends the LAN address the banner printed.
  for (const ip of lanAddresses()) {
    expect(server.output()).toContain(`http://${ip}:${port}/`);
    expect((await get(ip, port, '/healthz', `${ip}:${port}`)).status, ip).toBe(200);
  }

  await expect(TestClient.connect(server.url, { headers: { host: `evil.example:${port}` } })).rejects.toThrow(/421/);
  const own = await TestClient.connect(server.url, { headers: { host: `localhost:${port}` } });
  own.close();
  const proxied = await TestClient.connect(server.url, { headers: { host: 'chat.example.org', origin: 'https://chat.example.org' } });
  proxied.close();
});
