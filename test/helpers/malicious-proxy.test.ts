// The malicious-server harness itself: an honest pass-through first (SDK, HTTP), then rewriting, dropping, duplicating, delaying and injecting.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, threadOf } from '../../src/shared/client/index.js';
import { startMaliciousProxy, type MaliciousProxy } from './malicious-proxy.js';
import { startServer, type TestServer } from './server.js';
import { waitFor } from './wait.js';

let server: TestServer | undefined;
let proxy: MaliciousProxy | undefined;
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await proxy?.close();
  await server?.close();
  proxy = server = undefined;
});

async function start(): Promise<{ server: TestServer; proxy: MaliciousProxy }> {
  server = await startServer({ config: { allowUnencrypted: false } });
  proxy = await startMaliciousProxy(server);
  return { server, proxy };
}

async function user(url: string, name: string): Promise<ParleyClient> {
  const client = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 } });
  clients.push(client);
  await client.connect();
  await client.register(name, 'a password for the proxy test');
  return client;
}

const bodies = (client: ParleyClient, conversationId: number) => threadOf(client.getSnapshot(), conversationId).messages.map((m) => m.body);

test('with no hooks it is the server: encrypted chat, HTTP and the web API pass unchanged, and it knows who each link is', async () => {
  const { server, proxy } = await start();
  const alice = await user(proxy.url, 'alice');
  const bob = await user(proxy.url, 'bob');
  alice.send('bob', 'through the proxy');
  await waitFor(() => alice.getSnapshot().outbox.length === 0);
  const convo = await bob.openConversation('alice');
  expect(bodies(bob, convo.id)).toEqual(['through the proxy']);
  expect(proxy.links.map((l) => l.username).sort()).toEqual(['alice', 'bob']);
  const send = proxy.seen.find((s) => s.frame.type === 'send');
  expect(send?.link.username).toBe('alice');
  expect(String(send?.frame.body)).toMatch(/^p2\./);

  for (const path of ['/healthz', '/', '/no-such-file']) {
    const [direct, proxied] = await Promise.all([fetch(server.httpUrl + path), fetch(proxy.httpUrl + path)]);
    expect(proxied.status).toBe(direct.status);
    expect(await proxied.text()).toBe(await direct.text());
  }
  // A browser's POST names the proxy as its origin; the Host header goes through, so the server takes it as its own page.
  const prelogin = await fetch(`${proxy.httpUrl}/api/prelogin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: proxy.httpUrl },
    body: JSON.stringify({ username: 'alice' }),
  });
  expect(prelogin.status).toBe(200);
  expect(await prelogin.json()).toMatchObject({ salt: expect.any(String) });
  // The server's refusal of a foreign page's WebSocket reaches the client as it was.
  const foreign = new WebSocket(proxy.url, { headers: { origin: 'http://elsewhere.example' } });
  const status = await new Promise((resolve) => foreign.once('unexpected-response', (_request, response) => resolve(response.statusCode)));
  expect(status).toBe(403);
});

test('hooks rewrite results, drop, duplicate and delay frames in order, and inject forged events', async () => {
  const { proxy } = await start();
  const alice = await user(proxy.url, 'alice');
  const bob = await user(proxy.url, 'bob');
  proxy.onResult('lookup', (result) => ({ ...result, online: false }));
  expect(await alice.lookup('bob')).toEqual({ username: 'bob', online: false });

  // Bob's pushes: every message twice and each one late; read events never.
  proxy.toClient(async (frame, link) => {
    if (link.username !== 'bob') return frame;
    if (frame.type === 'read') return null;
    if (frame.type !== 'message') return frame;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return [frame, frame];
  });
  const convo = await bob.openConversation('alice');
  for (const text of ['one', 'two', 'three']) alice.send('bob', text);
  await waitFor(() => bodies(bob, convo.id).length === 3, { what: 'three messages' });
  expect(bodies(bob, convo.id)).toEqual(['one', 'two', 'three']);
  const pushed = proxy.seen.filter((s) => s.direction === 'toClient' && s.link.username === 'bob' && s.frame.type === 'message');
  expect(pushed).toHaveLength(3);

  await alice.openConversation('bob');
  await alice.markRead(convo.id);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(bob.getSnapshot().conversations.find((c) => c.id === convo.id)).toMatchObject({ kind: 'direct', peerReadSeq: 0 });

  expect(proxy.inject('bob', { type: 'presence', username: 'nobody', online: true })).toBe(1);
  await waitFor(() => bob.getSnapshot().online.includes('nobody'), { what: 'the forged presence' });
  expect(proxy.inject('carol', { type: 'presence', username: 'nobody', online: true })).toBe(0);
});
