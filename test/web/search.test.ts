// Issue 14: search in decrypted history in the browser — hits with the words marked, a click opens the chat,
// IndexedDB holds no word of any message, and the index outlives a reload.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { accessibilityViolations, browserAndServerSuite, browserAvailable, newUserPage, register, screenshot } from '../helpers/web.js';

const searchField = (page: Page) => page.getByLabel('Search your messages');
const hits = (page: Page) => page.getByRole('list', { name: 'Messages found' }).getByRole('button');

/**
 * Every row and value of the page's search databases as JSON, sealed bytes as latin1 text. A string, as in
 * accessibilityViolations: the tests are type-checked without the DOM library.
 */
const DUMP_INDEXEDDB = `(async () => {
  const out = [];
  const done = (request) => new Promise((resolve, reject) => { request.onsuccess = () => resolve(request.result); request.onerror = () => reject(request.error); });
  for (const info of await indexedDB.databases()) {
    if (!info.name.startsWith('parley-search.')) continue;
    const db = await done(indexedDB.open(info.name));
    for (const store of Array.from(db.objectStoreNames)) out.push(...(await done(db.transaction(store).objectStore(store).getAll())));
    db.close();
  }
  return JSON.stringify(out, (key, value) => (value instanceof Uint8Array ? String.fromCharCode(...value) : value));
})()`;

describe.skipIf(!browserAvailable())('web client: search in decrypted messages', () => {
  const suite = browserAndServerSuite();

  test('finds messages by word, marks the words, opens the chat, and keeps no plaintext in IndexedDB', async () => {
    const base = suite.server.httpUrl;
    const gus = await e2eeUser(suite.server.url, 'gus', 'correct horse battery');
    const { page } = await newUserPage(suite.browser);
    await register(page, base, 'ivy');
    await gus.sendText('ivy', 'Bring the Rhubarbine crumble on Friday', 'web-search-1');
    await gus.sendText('ivy', 'and the rhubarbine jam', 'web-search-2');
    await gus.sendText('ivy', 'nothing to see', 'web-search-3');
    await page.locator('.conv-item[data-peer="gus"]').filter({ hasText: 'nothing to see' }).waitFor();

    await searchField(page).fill('RHUBARB');
    await page.getByRole('status').filter({ hasText: '2 messages found, newest first' }).waitFor();
    expect(await hits(page).allInnerTexts()).toEqual([expect.stringContaining('and the rhubarbine jam'), expect.stringContaining('Bring the Rhubarbine crumble on Friday')]);
    expect(await page.locator('.hit-list mark').allInnerTexts()).toEqual(['rhubarbine', 'Rhubarbine']);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'search-hits');

    await searchField(page).fill('rhubarb friday');
    await page.getByRole('status').filter({ hasText: '1 message found' }).waitFor();
    await searchField(page).fill('nowhere');
    await page.getByRole('status').filter({ hasText: 'No message on this device holds all of these words.' }).waitFor();

    await searchField(page).fill('crumble');
    await hits(page).first().click();
    await page.getByRole('heading', { name: 'gus', exact: true }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/chat/gus');

    const dump = await page.evaluate<string>(DUMP_INDEXEDDB);
    expect(dump.length).toBeGreaterThan(100);
    for (const word of ['rhubarbine', 'Rhubarbine', 'crumble', 'Friday', 'friday']) expect(dump, word).not.toContain(word);

    // A reload keeps the tab unlocked (the wrap key is in sessionStorage) and the index: found without loading anything.
    await page.reload();
    await page.getByRole('heading', { name: 'gus', exact: true }).waitFor();
    await searchField(page).fill('jam');
    await page.getByRole('status').filter({ hasText: '1 message found' }).waitFor();
  });
});
