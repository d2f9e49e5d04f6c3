// The web client in Chromium across a restore from backup: one banner says so, and Dismiss clears it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { databaseFile } from '../../src/server/config.js';
import { backupDatabase } from '../../src/server/store/backup.js';
import { freePort, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { browserAvailable, browserSuite, newUserPage, register, signedInAs } from '../helpers/web.js';

describe.skipIf(!browserAvailable())('web client: server restored from a backup', () => {
  let server: TestServer | undefined;
  const suite = browserSuite(async () => {
    await server?.close();
    server = undefined;
  });

  test('after a restore the page shows one banner saying messages were re-synced; Dismiss hides it', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    server = await startServer({ dataDir, config: { port } });
    const { page } = await newUserPage(suite.browser);
    await register(page, server.httpUrl, 'alice');
    const banner = page.getByTestId('restored-banner');
    expect(await banner.count()).toBe(0);

    // The operator restores a backup taken after alice registered: stop, put the copy in place, start on the same port.
    const backup = path.join(tempDir(), 'backup.db');
    backupDatabase(databaseFile({ dataDir }), backup);
    await server.close();
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${databaseFile({ dataDir })}${suffix}`, { force: true });
    fs.copyFileSync(backup, databaseFile({ dataDir }));
    server = await startServer({ dataDir, config: { port } });

    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain('The server was restored from a backup; your messages were re-synced.');
    expect(await page.getByTestId('restored-banner').count()).toBe(1);
    await signedInAs(page, 'alice');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await banner.waitFor({ state: 'detached' });
  });
});
