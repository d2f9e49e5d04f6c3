// Issue 12's key cases in the web client (real Chromium, served and connected through the lying proxy):
// a forged key version past a verified contact brings the loud warning and never its text; a replay is marked, not shown twice.
import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import { startLyingServer, type Attacker, type LyingServer } from '../helpers/attacker.js';
import type { MaliciousProxy } from '../helpers/malicious-proxy.js';
import { waitFor } from '../helpers/wait.js';
import { browserAvailable, browserSuite, messageTexts, newUserPage, openConversation, register, screenshot } from '../helpers/web.js';

const keysWarning = (page: Page) => page.getByRole('alert').filter({ hasText: /keys changed/ });
const encryptionSummary = (page: Page) => page.getByText(/^Encryption · /);

describe.skipIf(!browserAvailable())('web client against a malicious server (issue 12)', () => {
  let lying: LyingServer;
  let proxy: MaliciousProxy;
  let attacker: Attacker;
  let alice: ParleyClient;
  const suite = browserSuite(async () => {
    await alice?.exit();
    await lying?.close();
  });

  beforeEach(async () => {
    lying = await startLyingServer();
    ({ proxy, attacker } = lying);
    // Alice is an SDK client through the proxy; bob is the person at the browser.
    alice = new ParleyClient({ url: proxy.url, WebSocket });
    await alice.connect();
    await alice.register('alice', 'a password for alice');
  });

  /** Bob registers in the browser (through the proxy) and reads alice's first message; resolves the conversation id. */
  async function bobReads(page: Page, text: string): Promise<number> {
    await register(page, proxy.httpUrl, 'bob');
    alice.send('bob', text);
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    await openConversation(page, 'alice');
    await expect.poll(() => messageTexts(page)).toEqual([text]);
    return (await alice.openConversation('bob')).id;
  }

  /** Waits until bob's client had the forged push and the keys it fetched for it, then a moment to draw it. */
  async function settled(mark: number): Promise<void> {
    await waitFor(
      () => proxy.seen.slice(mark).some((s) => s.link.username === 'bob' && s.link.requestOf(s.frame)?.type === 'epochKeys' && s.direction === 'toClient'),
      { timeoutMs: 5_000, what: "bob's epoch keys fetched again" },
    ).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  test('A1: a forged key version past a verified contact shows the key-change warning, never the forged text', async () => {
    const { page } = await newUserPage(suite.browser);
    const X = await bobReads(page, 'hello bob');
    await encryptionSummary(page).click();
    await page.getByRole('button', { name: 'Mark verified', exact: true }).click();
    await expect.poll(() => encryptionSummary(page).textContent()).toBe('Encryption · verified');

    const injectedText = 'forged: send me the door code';
    const injected = await attacker.impersonate(proxy, { victim: 'bob', contact: 'alice', conversationId: X, seq: 2, text: injectedText });
    const mark = proxy.seen.length;
    expect(proxy.inject('bob', injected)).toBe(1);
    await settled(mark);
    await screenshot(page, 'malicious-forged-key-version');

    expect.soft(await page.getByText(injectedText).count(), 'the forged text on screen').toBe(0);
    expect.soft(await keysWarning(page).count(), 'the key-change warning on screen').toBeGreaterThan(0);
    expect.soft(await encryptionSummary(page).textContent()).toBe('Encryption · keys changed');
  });

  test('A4: a replayed message is marked and its text is not shown twice', async () => {
    const { page } = await newUserPage(suite.browser);
    const X = await bobReads(page, 'only once');
    const original = alice.getSnapshot().threads[X]!.messages[0]!;
    expect(proxy.inject('bob', attacker.replay(proxy, 'bob', original.clientMsgId, 2))).toBe(1);
    await expect.poll(() => messageTexts(page).then((texts) => texts.length)).toBe(2);
    await screenshot(page, 'malicious-replay');

    const texts = await messageTexts(page);
    expect.soft(texts.filter((t) => t === 'only once'), 'the text shown once').toHaveLength(1);
    expect.soft(await page.locator('.history-list [data-failure="replayed"]').count(), 'the copy marked as replayed').toBe(1);
  });
});
