// A registration is one transaction: when its commit fails, the account does not exist and the same registration then
// succeeds; on SQLite and on PostgreSQL.
import { afterEach, describe, expect, test } from 'vitest';
import { RequestFailed, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { kindTitle, type StoreHarness, storeKinds } from '../helpers/store-kinds.js';

let server: TestServer | undefined;
let db: StoreHarness | undefined;
let client: TestClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.close();
  await db?.close();
  [server, db, client] = [undefined, undefined, undefined];
});

for (const kind of await storeKinds()) {
  describe.skipIf(kind.skipped !== null)(kindTitle(kind), () => {
    test('a registration whose commit fails at its last step leaves no account; the retry gets it', async () => {
      db = await kind.open();
      server = await startServer({ store: db.store });
      // The session insert (the last step) leaves a reference to no user, which the database checks only at COMMIT:
      // every statement succeeds and the commit fails, as with a full disk.
      const cleared = await db.failCommits('sessions');
      client = await TestClient.connect(server.url);
      const register = { type: 'register', username: 'alice', password: 'correct horse' } as const;
      const failed = await client.request('register', register).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(RequestFailed);
      expect((failed as RequestFailed).code).toBe('INTERNAL');
      expect(await db.all("SELECT id FROM users WHERE username = 'alice'")).toEqual([]);
      expect(await db.all('SELECT id FROM sessions')).toEqual([]);
      const other = await TestClient.connect(server.url);
      const login = await other.request('login', { type: 'login', username: 'alice', password: 'correct horse' }).catch((error: unknown) => error);
      other.close();
      expect(login).toMatchObject({ code: 'AUTH_FAILED' });

      await cleared();
      const session = await client.request('register', register);
      expect(session.username).toBe('alice');
      expect(await client.request('online', { type: 'online' })).toEqual({ users: ['alice'], total: 1 });
    });
  });
}
