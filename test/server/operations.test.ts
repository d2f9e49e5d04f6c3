// Operations: HTTPS/WSS on the port, /healthz and /metrics (a backup taken under load is in test/durability/backup.test.ts).
import https from 'node:https';
import { afterEach, expect, test } from 'vitest';
import { TestClient, userClient } from '../helpers/client.js';
import { spawnServer, type SpawnedServer, startServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl, selfSignedCertificate } from '../helpers/tls.js';

let server: TestServer | undefined;
let spawned: SpawnedServer | undefined;
const clients: { close(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.close();
  server = undefined;
  await spawned?.kill('SIGKILL');
  spawned = undefined;
});

const requireOpenssl = () => {
  if (hasOpenssl()) return true;
  if (process.env.CI === 'true') throw new Error('the openssl command is needed for the TLS test');
  console.log('skipped: the openssl command is not installed');
  return false;
};

function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string; headers?: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('--tls-cert/--tls-key: HTTPS and WSS on the same port, verified against the certificate', async () => {
  if (!requireOpenssl()) return;
  const tls = selfSignedCertificate();
  spawned = await spawnServer({ args: ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile, '--allow-unencrypted'] });
  const { port } = spawned;
  expect(spawned.output()).toContain(`Web client:       https://127.0.0.1:${port}/`);
  expect(spawned.output()).toContain(`npm run client -- wss://127.0.0.1:${port}`);

  expect(await httpsGet(`https://127.0.0.1:${port}/healthz`, tls.cert)).toMatchObject({ status: 200, body: 'ok\n' });
  // Over TLS, browsers are told to refuse plain HTTP to this host from now on (the page and the API alike).
  for (const route of ['/', '/api/login']) {
    const reply = await httpsGet(`https://127.0.0.1:${port}${route}`, tls.cert);
    expect(reply.headers?.['strict-transport-security'], route).toBe('max-age=31536000');
  }

  const wss = `wss://127.0.0.1:${port}/ws`;
  const alice = await TestClient.connect(wss, { ca: tls.cert });
  clients.push(alice);
  await alice.request('register', { type: 'register', username: 'alice', password: 'correct horse battery' });
  await expect(alice.request('send', { type: 'send', to: 'alice', clientMsgId: 'tls-1', body: 'over TLS' })).resolves.toMatchObject({ seq: 1 });

  // Without the certificate a client refuses the connection; plain ws:// gets nowhere on a TLS port.
  await expect(TestClient.connect(wss)).rejects.toThrow(/self[- ]signed/i);
  await expect(TestClient.connect(`ws://127.0.0.1:${port}/ws`)).rejects.toThrow();
}, 30_000);

test('a bad certificate or a missing key is one plain sentence and a non-zero exit', async () => {
  if (!requireOpenssl()) return;
  const tls = selfSignedCertificate();
  await expect(spawnServer({ args: ['--tls-cert', tls.certFile] })).rejects.toThrow(/HTTPS needs both --tls-cert and --tls-key/);
  await expect(spawnServer({ args: ['--tls-cert', tls.certFile, '--tls-key', '/nonexistent/key.pem'] })).rejects.toThrow(/The TLS key \/nonexistent\/key.pem cannot be read/);
  const other = selfSignedCertificate();
  await expect(spawnServer({ args: ['--tls-cert', tls.certFile, '--tls-key', other.keyFile] })).rejects.toThrow(/cannot be used together/);
}, 30_000);

test('/healthz is ready only while the store is open', async () => {
  server = await startServer();
  const health = () => fetch(`${server!.httpUrl}/healthz`).then(async (r) => ({ status: r.status, body: await r.text() }));
  expect(await health()).toEqual({ status: 200, body: 'ok\n' });
  await server.server.services.store.close();
  expect((await health()).status).toBe(503);
});

const metricValue = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('/metrics: connections, logins, messages stored and delivered, delivery latency, errors by code', async () => {
  server = await startServer();
  const alice = await userClient(server.url, 'alice');
  const bob = await userClient(server.url, 'bob');
  const bobPhone = await TestClient.connect(server.url);
  await bobPhone.request('login', { type: 'login', username: 'bob', password: 'correct horse battery' });
  const guesser = await TestClient.connect(server.url);
  clients.push(alice, bob, bobPhone, guesser);
  await expect(guesser.request('login', { type: 'login', username: 'bob', password: 'wrong password' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  for (let i = 0; i < 3; i++) await alice.request('send', { type: 'send', to: 'bob', clientMsgId: `m${i}`, body: `hello ${i}` });
  await alice.request('send', { type: 'send', to: 'bob', clientMsgId: 'm0', body: 'hello 0' }); // a resend: not stored again
  await expect(alice.request('send', { type: 'send', to: 'nobody', clientMsgId: 'x', body: 'hi' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  await bob.waitFor(() => bob.events.filter((e) => e.type === 'message').length === 3);
  await bobPhone.waitFor(() => bobPhone.events.filter((e) => e.type === 'message').length === 3);
  await bob.request('sync', { type: 'sync', after: 0 });

  const response = await fetch(`${server.httpUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  expect(metricValue(text, 'parley_connections')).toBe(4);
  expect(metricValue(text, 'parley_logins_total{result="ok"}')).toBe(1);
  expect(metricValue(text, 'parley_logins_total{result="failed"}')).toBe(1);
  expect(metricValue(text, 'parley_logins_total{result="rate_limited"}')).toBe(0);
  expect(metricValue(text, 'parley_messages_stored_total')).toBe(3);
  expect(metricValue(text, 'parley_messages_delivered_total{via="push"}')).toBe(6); // 3 messages × bob's 2 devices
  expect(metricValue(text, 'parley_messages_delivered_total{via="sync"}')).toBe(3);
  expect(metricValue(text, 'parley_delivery_latency_seconds_count')).toBe(3);
  expect(metricValue(text, 'parley_delivery_latency_seconds_bucket{le="+Inf"}')).toBe(3);
  // Sent one at a time: each send and the resend was a group commit of its own (the unknown recipient too).
  expect(metricValue(text, 'parley_commit_messages_sum')).toBe(5);
  expect(metricValue(text, 'parley_commit_messages_count')).toBe(5);
  expect(metricValue(text, 'parley_commit_seconds_count')).toBe(5);
  expect(metricValue(text, 'parley_errors_total{code="AUTH_FAILED"}')).toBe(1);
  expect(metricValue(text, 'parley_errors_total{code="USER_NOT_FOUND"}')).toBe(1);
  expect(metricValue(text, 'parley_process_resident_memory_bytes')).toBeGreaterThan(0);
});

test('/metrics is for this machine only by default: a client through a trusted proxy gets 403; off is 404', async () => {
  server = await startServer({ config: { trustProxy: true } });
  expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(200);
  expect((await fetch(`${server.httpUrl}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
  await server.close();
  server = await startServer({ config: { metrics: 'off' } });
  expect((await fetch(`${server.httpUrl}/metrics`)).status).toBe(404);
  await server.close();
  server = await startServer({ config: { metrics: 'any', trustProxy: true } });
  expect((await fetch(`${server.httpUrl}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
});
