// After clients close their WebSockets, the server gives their file descriptors back promptly, whatever the peer's TCP side does.
import fs from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { type SpawnedServer, spawnServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const CONNECTIONS = 2_000;
/** A masked close frame with code 1000, as a client sends it. */
const CLOSE_FRAME = Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);

let server: SpawnedServer | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.kill();
  server = undefined;
});

const openFds = (pid: number): number => fs.readdirSync(`/proc/${pid}/fd`).length;

/**
 * A WebSocket client that, once it has sent its close frame, keeps its TCP side open (as a client too busy
 * to close thousands of sockets does): it reads the server's close frame and its FIN but never sends its own.
 */
function halfOpenClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(socket);
    let head = '';
    const onData = (data: Buffer) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.resume();
      if (head.startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(head.split('\r\n')[0]));
    };
    socket.on('data', onData);
    socket.on('error', reject);
    socket.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

describe.skipIf(!fs.existsSync('/proc/self/fd'))('file descriptors after clients close', () => {
  test(`${CONNECTIONS} clients send their close frames and keep TCP open: the server's descriptors return to the baseline`, async () => {
    server = await spawnServer({ args: ['--max-connections-per-address', '0'] });
    const pid = server.process.pid!;
    const baseline = openFds(pid);
    for (let i = 0; i < CONNECTIONS; i += 250) {
      await Promise.all(Array.from({ length: 250 }, () => halfOpenClient(server!.port)));
    }
    expect(openFds(pid)).toBeGreaterThanOrEqual(baseline + CONNECTIONS);
    for (const socket of sockets) socket.write(CLOSE_FRAME);
    // ws alone waits 30 s for each peer's FIN; the bound here is well under that, and the wait ends as soon as they are back.
    await waitFor(() => openFds(pid) <= baseline + 10, { timeoutMs: 15_000, intervalMs: 100, what: `descriptors back near ${baseline}` });
  }, 60_000);
});
