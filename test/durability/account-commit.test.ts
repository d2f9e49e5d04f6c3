// A password change is one transaction with its re-sealed keys: when its commit fails, the old password still opens the account.
import { afterEach, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { startServer, type TestServer } from '../helpers/server.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another good one';
let server: TestServer;
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await server.close();
});

async function device(name: string): Promise<ParleyClient> {
  const c = new ParleyClient({ url: server.url, WebSocket, device: name, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 5_000 });
  clients.push(c);
  await c.connect();
  await c.register('alice', PASSWORD).catch(() => c.login('alice', PASSWORD));
  return c;
}

test('a password change whose commit fails leaves the old password, its keys and the other devices; the retry succeeds', async () => {
  server = await startServer();
  const laptop = await device('laptop');
  const phone = await device('phone');
  const db = (server.server.services.store as SqliteStore).db;
  // Ending the other sessions is the change's last write; the trigger leaves a reference to no user, which SQLite
  // checks only at COMMIT: every statement succeeds (the hash and the re-sealed keys are written) and the commit fails.
  db.exec(`
    CREATE TABLE dangling (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER fail_commit AFTER DELETE ON sessions BEGIN INSERT INTO dangling VALUES (-1); END;`);
  await expect(laptop.changePassword(PASSWORD, NEW_PASSWORD)).rejects.toMatchObject({ code: 'INTERNAL' });
  db.exec('DROP TRIGGER fail_commit; DROP TABLE dangling;');

  // The old password still logs in and opens the keys (a login that cannot open them fails); the phone is still signed in.
  const tablet = await device('tablet');
  expect(tablet.getSnapshot().session?.username).toBe('alice');
  expect((await phone.sessions()).map((s) => s.device).sort()).toEqual(['laptop', 'phone', 'tablet']);

  expect(await laptop.changePassword(PASSWORD, NEW_PASSWORD)).toBe(2);
  const fresh = new ParleyClient({ url: server.url, WebSocket, device: 'desktop', requestTimeoutMs: 5_000 });
  clients.push(fresh);
  await fresh.connect();
  await expect(fresh.login('alice', PASSWORD)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  await expect(fresh.login('alice', NEW_PASSWORD)).resolves.toMatchObject({ username: 'alice' });
});
