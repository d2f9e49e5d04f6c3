// Issue 14: the offline shell. After one visit, a reload while the server is down still opens the app, which
// says it cannot reach the server and signs in by itself once the server is back; no API reply is kept.
import { describe, expect, test } from 'vitest';
import { spawnServer, type SpawnedServer } from '../helpers/server.js';
import { browserAvailable, browserSuite, newUserPage, register, screenshot, signedInAs } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: offline shell (service worker)', () => {
  let server: SpawnedServer | undefined;
  const suite = browserSuite(async () => {
    await server?.kill('SIGKILL');
    server = undefined;
  });

  test('a reload while the server is down opens the app, which reconnects when the server returns', async () => {
    server = await spawnServer();
    const { page } = await newUserPage(suite.browser);
    await register(page, server.httpUrl, 'oona');
    // The worker controls the page once it is active (it claims open pages).
    await page.waitForFunction('navigator.serviceWorker.controller !== null', undefined, { timeout: 15_000 });

    await server.kill('SIGKILL');
    await page.reload();
    await page.getByText('Cannot reach the server. Trying again…').waitFor({ timeout: 15_000 });
    await screenshot(page, 'offline-shell');
    // Only the page and its assets were kept: nothing from the API.
    const kept = await page.evaluate<string[]>(`caches.open('parley-shell-v1').then((c) => c.keys()).then((ks) => ks.map((k) => new URL(k.url).pathname))`);
    expect(kept.filter((p) => p !== '/' && !p.startsWith('/assets/') && p !== '/favicon.svg')).toEqual([]);

    server = await server.restart();
    await signedInAs(page, 'oona');
  });
});
