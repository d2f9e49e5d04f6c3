// A burst of reconnecting clients while the server's event loop is busy: the kernel completes and holds their
// connections for it, instead of dropping SYNs that TCP would retry only seconds later.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

let server: SpawnedServer | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  server?.process.kill('SIGCONT');
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.kill();
  server = undefined;
});

const BURST = 1_500;

test('1,500 clients connecting while the server is stopped all complete their handshake', async () => {
  server = await spawnServer();
  // Linux caps a listen backlog at net.core.somaxconn; a machine set lower can hold only that many.
  const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const expected = Math.min(BURST, somaxconn + 1);
  // Stopped, the server accepts nothing: every connection that completes now waits in the kernel's queue.
  server.process.kill('SIGSTOP');
  let connected = 0;
  for (let i = 0; i < BURST; i++) {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    socket.on('connect', () => connected++);
    socket.on('error', () => {});
    sockets.push(socket);
  }
  // A SYN the full queue dropped is retried after 1 s and again after 3 s: within 2 s the queue's size shows.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const whileStopped = connected;
  server.process.kill('SIGCONT');
  expect(whileStopped).toBeGreaterThanOrEqual(expected);
  // Running again, the server takes them all and still answers.
  await waitFor(() => connected === BURST, { timeoutMs: 20_000, what: 'every connection to complete' });
  const health = await fetch(`${server.httpUrl}/healthz`);
  expect(health.status).toBe(200);
}, 60_000);
