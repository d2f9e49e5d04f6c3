// A registration is one transaction: when its commit fails, the account does not exist and the same registration then succeeds.
import { afterEach, expect, test } from 'vitest';
import type { SqliteStore } from '../../src/server/store/sqlite.js';
import { RequestFailed, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let client: TestClient | undefined;
afterEach(async () => {
  client?.close();
  await server.close();
});

test('a registration whose commit fails at its last step leaves no account; the retry gets it', async () => {
  server = await startServer();
  const db = (server.server.services.store as SqliteStore).db;
  // The session insert (the last step) leaves a reference to no user, which SQLite checks only at COMMIT:
  // every statement succeeds and the commit fails, as with a full disk.
  db.exec(`
    CREATE TABLE dangling (user_id INTEGER REFERENCES users(id) DEFERRABLE INITIALLY DEFERRED);
    CREATE TRIGGER fail_commit AFTER INSERT ON sessions BEGIN INSERT INTO dangling VALUES (-1); END;`);
  client = await TestClient.connect(server.url);
  const register = { type: 'register', username: 'alice', password: 'correct horse' } as const;
  const failed = await client.request('register', register).catch((error: unknown) => error);
  expect(failed).toBeInstanceOf(RequestFailed);
  expect((failed as RequestFailed).code).toBe('INTERNAL');
  expect(db.prepare("SELECT count(*) AS n FROM users WHERE username = 'alice'").get()).toEqual({ n: 0 });
  expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  const other = await TestClient.connect(server.url);
  const login = await other.request('login', { type: 'login', username: 'alice', password: 'correct horse' }).catch((error: unknown) => error);
  other.close();
  expect(login).toMatchObject({ code: 'AUTH_FAILED' });

  db.exec('DROP TRIGGER fail_commit; DROP TABLE dangling;');
  const session = await client.request('register', register);
  expect(session.username).toBe('alice');
  expect(await client.request('online', { type: 'online' })).toEqual({ users: ['alice'], total: 1 });
});
