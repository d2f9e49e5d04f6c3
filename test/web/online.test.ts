// The web client's "Online now" list comes from the paged request: everyone online, not just contacts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { userClient, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { browserAvailable, browserSuite, newUserPage, register } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: people online', () => {
  let server: TestServer;
  const suite = browserSuite();
  const others: TestClient[] = [];

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    for (const c of others) c.close();
    await server?.close();
  });

  test('lists people online who share no conversation with you (asked for, not pushed), you first', async () => {
    const quinn = await newUserPage(suite.browser);
    await register(quinn.page, server.httpUrl, 'quinn');
    // Strangers: no conversation with quinn, so no presence event ever reaches her.
    others.push(await userClient(server.url, 'aaron'), await userClient(server.url, 'zelda'));
    const people = quinn.page.getByRole('list', { name: 'People online' });
    await expect.poll(() => people.locator('.person-name').allTextContents(), { timeout: 15_000 }).toEqual(['quinn', 'aaron', 'zelda']);
    expect(await quinn.page.locator('.section-count').textContent()).toBe('3');
    await quinn.context.close();
  });
});
