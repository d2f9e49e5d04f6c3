// The client SDK's account calls against the real server: devices, revoke, change password, sign out everywhere, wss with a CA.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, type ParleyClientOptions } from '../../src/shared/client/index.js';
import { webSocketTrusting } from '../../src/tui/ca.js';
import { spawnServer, type SpawnedServer, startServer, type TestServer } from '../helpers/server.js';
import { hasOpenssl, selfSignedCertificate } from '../helpers/tls.js';
import { waitFor } from '../helpers/wait.js';

const PASSWORD = 'correct horse battery';
const servers: TestServer[] = [];
const clients: ParleyClient[] = [];
let spawned: SpawnedServer | undefined;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await spawned?.kill('SIGKILL');
  spawned = undefined;
});

async function server(): Promise<TestServer> {
  const s = await startServer();
  servers.push(s);
  return s;
}

async function device(url: string, name: string, device: string, options: Partial<ParleyClientOptions> = {}): Promise<ParleyClient> {
  const c = new ParleyClient({ url, WebSocket, device, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 5_000, ...options });
  clients.push(c);
  await c.connect();
  await c.register(name, PASSWORD).catch(() => c.login(name, PASSWORD));
  return c;
}

describe('SDK account calls', () => {
  it('lists devices and revokes one: that client is signed out and cannot resume', async () => {
    const s = await server();
    const laptop = await device(s.url, 'alice', 'laptop');
    const phone = await device(s.url, 'alice', 'phone');
    const sessions = await laptop.sessions();
    expect(sessions.map((x) => [x.device, x.current, x.connected])).toEqual(
      expect.arrayContaining([
        ['laptop', true, true],
        ['phone', false, true],
      ]),
    );
    const phoneSession = sessions.find((x) => x.device === 'phone')!;
    await laptop.revokeSession(phoneSession.sessionId);
    // The phone's connection closes with 4001, it forgets its token and, reconnecting, finds itself signed out.
    await waitFor(() => phone.getSnapshot().session === null && phone.getSnapshot().connection.status === 'online', { timeoutMs: 5_000 });
    expect((await laptop.sessions()).map((x) => x.device)).toEqual(['laptop']);
    await expect(laptop.revokeSession(phoneSession.sessionId)).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('revoking its own session signs this client out, like logout', async () => {
    const s = await server();
    const laptop = await device(s.url, 'alice', 'laptop');
    const own = laptop.getSnapshot().session!.sessionId;
    await laptop.revokeSession(own);
    expect(laptop.getSnapshot().session).toBeNull();
  });

  it('changes the password: the other devices are signed out, this one stays', async () => {
    const s = await server();
    const laptop = await device(s.url, 'alice', 'laptop');
    const phone = await device(s.url, 'alice', 'phone');
    await expect(laptop.changePassword('wrong password', 'another good one')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(laptop.changePassword(PASSWORD, 'short')).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
    expect(await laptop.changePassword(PASSWORD, 'another good one')).toBe(1);
    await waitFor(() => phone.getSnapshot().session === null);
    expect(laptop.getSnapshot().session?.username).toBe('alice');
    await expect(phone.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(phone.login('alice', 'another good one')).resolves.toMatchObject({ username: 'alice' });
  });

  it('signs out everywhere: every client of the user ends up signed out', async () => {
    const s = await server();
    const laptop = await device(s.url, 'alice', 'laptop');
    const phone = await device(s.url, 'alice', 'phone');
    const bob = await device(s.url, 'bob', 'laptop');
    expect(await laptop.logoutEverywhere()).toBe(2);
    expect(laptop.getSnapshot().session).toBeNull();
    await waitFor(() => phone.getSnapshot().session === null);
    expect(bob.getSnapshot().session?.username).toBe('bob');
  });
});

describe.skipIf(!hasOpenssl() && process.env.CI !== 'true')('SDK over wss:// with a self-signed certificate', () => {
  it('connects when the certificate is trusted, and says why when it is not', async () => {
    const tls = selfSignedCertificate();
    spawned = await spawnServer({ args: ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] });
    const url = `wss://127.0.0.1:${spawned.port}/ws`;
    const trusted = await device(url, 'alice', 'laptop', { WebSocket: webSocketTrusting(tls.cert) });
    expect(trusted.getSnapshot().session?.username).toBe('alice');

    const untrusted = new ParleyClient({ url, WebSocket });
    clients.push(untrusted);
    const failure = await untrusted.connect().then(
      () => null,
      (error: unknown) => error as { code: string; cause?: unknown },
    );
    expect(failure?.code).toBe('DISCONNECTED');
    expect(String(failure?.cause)).toMatch(/self[- ]signed/i);
  }, 30_000);
});
