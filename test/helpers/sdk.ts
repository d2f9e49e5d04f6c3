// SDK clients and in-process servers for one test file, all closed after each test.
import { afterEach } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from './server.js';

/** Registers the cleanup hook; `client` connects a ParleyClient (fast reconnects), `server` starts a server. */
export function sdkHarness(defaults: Partial<ParleyClientOptions> = {}) {
  const servers: TestServer[] = [];
  const clients: ParleyClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.exit()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    async server(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
      const s = await startServer(options);
      servers.push(s);
      return s;
    },
    async client(url: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
      const c = new ParleyClient({ url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 5_000, ...defaults, ...options });
      clients.push(c);
      await c.connect();
      return c;
    },
  };
}
