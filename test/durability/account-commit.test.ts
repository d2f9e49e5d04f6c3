// A password change is one transaction with its re-sealed keys: when its commit fails, the old password still opens the
// account; on SQLite and on PostgreSQL.
import { afterEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { kindTitle, type StoreHarness, storeKinds } from '../helpers/store-kinds.js';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another good one';
let server: TestServer | undefined;
let db: StoreHarness | undefined;
const clients: ParleyClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.exit()));
  await server?.close();
  await db?.close();
  [server, db] = [undefined, undefined];
});

async function device(name: string): Promise<ParleyClient> {
  const c = new ParleyClient({ url: server!.url, WebSocket, device: name, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 5_000 });
  clients.push(c);
  await c.connect();
  await c.register('alice', PASSWORD).catch(() => c.login('alice', PASSWORD));
  return c;
}

for (const kind of await storeKinds()) {
  describe.skipIf(kind.skipped !== null)(kindTitle(kind), () => {
    test('a password change whose commit fails leaves the old password, its keys and the other devices; the retry succeeds', async () => {
      db = await kind.open();
      server = await startServer({ store: db.store });
      const laptop = await device('laptop');
      const phone = await device('phone');
      // Ending the other sessions is the change's last write; the trigger leaves a reference to no user, which the
      // database checks only at COMMIT: every statement succeeds (the hash and the re-sealed keys are written) and the commit fails.
      const cleared = await db.failCommits('sessions', 'DELETE');
      await expect(laptop.changePassword(PASSWORD, NEW_PASSWORD)).rejects.toMatchObject({ code: 'INTERNAL' });
      await cleared();

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
  });
}
