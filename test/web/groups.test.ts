// Groups in the web client: three people in three Chromium profiles on one real server create a group,
// talk with names, see membership lines, seen-by and mentions, and a removed member can no longer write;
// a newcomer to a group that keeps its history hidden sees it from their own addition on; your message gets
// its double tick only once every other member has read it.
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import { waitFor } from '../helpers/wait.js';
import {
  accessibilityViolations,
  browserAvailable,
  browserAndServerSuite,
  bubble,
  composer,
  cspViolations,
  FAKE_VISIBILITY_AND_NOTIFICATIONS,
  messageTexts,
  screenshot,
  webUser,
  webUsers,
  PASSWORD,
} from '../helpers/web.js';

/** A group name that looks like markup and template syntax: it must show as the characters typed. */
const NAME = '<b>Ops</b> & {{team}}';

const groupItem = (page: Page) => page.locator('.conv-item[data-kind="group"]').filter({ hasText: NAME });
const systemLines = (page: Page) => page.locator('.history-list .system-line').allInnerTexts();
const accept = (page: Page) => page.on('dialog', (d) => void d.accept());

async function openGroup(page: Page): Promise<void> {
  await groupItem(page).click();
  await page.getByRole('heading', { name: NAME, exact: true }).waitFor();
}

/** Makes a group from the "New group" dialog, the people added by exact username. */
async function createGroup(page: Page, name: string, people: readonly string[]): Promise<void> {
  await page.getByRole('button', { name: 'New group' }).click();
  const dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByLabel('Group name').fill(name);
  for (const person of people) {
    await dialog.getByLabel('People', { exact: true }).fill(person);
    await dialog.getByLabel('People', { exact: true }).press('Enter');
    await dialog.getByRole('button', { name: `Remove ${person}` }).waitFor();
  }
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('heading', { name, exact: true }).waitFor();
}

async function openMembers(page: Page) {
  await page.getByRole('button', { name: /^Members \(/ }).click();
  const dialog = page.getByRole('dialog', { name: NAME });
  await dialog.waitFor();
  return dialog;
}

describe.skipIf(!browserAvailable())('web client: groups', () => {
  const suite = browserAndServerSuite();

  test('three people: create, names, membership lines, seen-by, a mention in a muted group, removal', async () => {
    const base = suite.server.httpUrl;
    const [alice, bob] = await webUsers(suite.browser, base, ['alice', 'bob']);
    const carol = await webUser(suite.browser, base, 'carol', { initScript: FAKE_VISIBILITY_AND_NOTIFICATIONS });
    accept(alice.page);

    // The dialog says plainly what is wrong: no name, an unknown username.
    await alice.page.getByRole('button', { name: 'New group' }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'New group' });
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => dialog.locator('.form-error').innerText()).toBe('Give the group a name.');
    await dialog.getByLabel('Group name').fill(NAME);
    const people = dialog.getByLabel('People', { exact: true });
    await people.fill('nobody');
    await people.press('Enter');
    await expect.poll(() => dialog.locator('.member-picker [role="alert"]').innerText()).toBe('No such user: “nobody”. Usernames are case sensitive.');
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => dialog.locator('.form-error').innerText()).toBe('Add at least one person.');
    await people.fill('bob');
    await people.press('Enter');
    await dialog.getByRole('button', { name: 'Remove bob' }).waitFor();
    await screenshot(alice.page, 'group-new-dialog');
    const violations: Record<string, string[]> = { 'new group': await accessibilityViolations(alice.page) };
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await alice.page.getByRole('heading', { name: NAME, exact: true }).waitFor();
    await expect.poll(() => alice.page.getByTestId('group-status').innerText()).toBe('2 members');

    // Bob finds it in his list, the name as typed (never markup), and the creation line in the flow.
    await openGroup(bob.page);
    await expect.poll(() => systemLines(bob.page)).toEqual([`alice created the group “${NAME}” with you`]);
    expect(await bob.page.locator('.conv-name b, .pane-name b, .system-line b').count()).toBe(0);

    // Alice adds carol from the members panel: everyone sees the line, each from their side.
    const members = await openMembers(alice.page);
    await members.getByLabel('People to add').fill('carol');
    await members.getByLabel('People to add').press('Enter');
    await members.getByRole('button', { name: 'Add to group' }).click();
    await expect.poll(() => members.getByRole('status').innerText()).toBe('Added carol.');
    await expect.poll(() => members.locator('.member .device-name').allInnerTexts()).toEqual(['alice (you)', 'bob', 'carol']);
    violations['members'] = await accessibilityViolations(alice.page);
    await members.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => systemLines(alice.page)).toContain('You added carol');
    await expect.poll(() => systemLines(bob.page)).toContain('alice added carol');
    await openGroup(carol.page);
    await expect.poll(() => systemLines(carol.page)).toContain('alice added you');

    // Messages carry their author's name for the others; alice's last one is seen by both.
    await composer(alice.page, NAME).fill('hello team');
    await composer(alice.page, NAME).press('Enter');
    for (const reader of [bob.page, carol.page]) {
      await expect.poll(() => messageTexts(reader)).toEqual(['hello team']);
      expect(await bubble(reader, 'hello team').locator('.bubble-author').textContent()).toBe('alice: ');
    }
    await expect.poll(() => alice.page.locator('.seen-by button').innerText(), { timeout: 15_000 }).toBe('Seen by 2 of 2');
    await alice.page.locator('.seen-by button').click();
    expect(await alice.page.locator('.seen-by-names').innerText()).toBe('bob, carol');
    await composer(bob.page, NAME).fill('hi from bob');
    await composer(bob.page, NAME).press('Enter');
    await expect.poll(() => bubble(alice.page, 'hi from bob').locator('.bubble-author').textContent()).toBe('bob: ');

    // Carol mutes the group and hides the tab: a plain message makes no notice, a mention does.
    await carol.page.getByRole('button', { name: 'Turn on' }).click();
    await carol.page.getByRole('button', { name: 'Mute notices' }).click();
    await expect.poll(() => carol.page.getByRole('button', { name: 'Mute notices' }).getAttribute('aria-pressed')).toBe('true');
    await carol.page.evaluate('window.__setHidden(true)');
    await composer(alice.page, NAME).fill('plain update');
    await composer(alice.page, NAME).press('Enter');
    await expect.poll(() => messageTexts(carol.page)).toContain('plain update');
    // Alice types "@ca", picks carol from the list with Enter, and finishes the sentence.
    const box = composer(alice.page, NAME);
    await box.pressSequentially('@ca');
    await alice.page.getByRole('option', { name: 'carol' }).waitFor();
    await screenshot(alice.page, 'group-mention-autocomplete');
    violations['group with @ list'] = await accessibilityViolations(alice.page);
    await box.press('Enter');
    expect(await box.inputValue()).toBe('@carol ');
    await box.pressSequentially('can you check the deploy?');
    await box.press('Enter');
    await expect.poll(() => messageTexts(carol.page)).toContain('@carol can you check the deploy?');
    const gid = await groupItem(carol.page).getAttribute('data-group');
    await expect.poll(() => carol.page.evaluate('window.__notices')).toEqual([
      { title: `alice mentioned you in ${NAME}`, body: 'alice: @carol can you check the deploy?', tag: `parley-conversation-${gid}` },
    ]);
    // The mention is highlighted, and stands out more for the one mentioned.
    await expect.poll(() => bubble(bob.page, 'can you check').locator('.mention').innerText()).toBe('@carol');
    expect(await bubble(bob.page, 'can you check').locator('.mention').getAttribute('data-me')).toBe('false');
    expect(await bubble(carol.page, 'can you check').locator('.mention').getAttribute('data-me')).toBe('true');
    await carol.page.evaluate('window.__setHidden(false)');
    await screenshot(carol.page, 'group-muted-mention');

    // Alice removes carol (after a confirmation): the line for everyone, and carol can no longer write.
    const again = await openMembers(alice.page);
    await again.getByRole('button', { name: 'Remove carol' }).click();
    await expect.poll(() => again.getByRole('status').innerText()).toBe('Removed carol.');
    await again.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => systemLines(bob.page)).toContain('alice removed carol');
    await expect.poll(() => systemLines(carol.page)).toContain('alice removed you');
    await carol.page.getByText('You are no longer a member of this group, so you cannot send messages here.').waitFor();
    expect(await composer(carol.page, NAME).count()).toBe(0);
    await expect.poll(() => bob.page.getByTestId('group-status').innerText()).toBe('2 members');
    await screenshot(bob.page, 'group-desktop');

    // At phone width the group fits without sideways scrolling.
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await screenshot(bob.page, 'group-phone');
    expect(await bob.page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(violations).toEqual({ 'new group': [], members: [], 'group with @ list': [] });
    expect(cspViolations).toEqual([]);
  }, 180_000);

  test('a newcomer to a group that keeps its history hidden sees it from “… added you” on; to a shared one, all of it', async () => {
    // The group's owner and first member drive the SDK directly; the newcomer is the browser under test.
    const sdk = async (name: string) => {
      const c = new ParleyClient({ url: suite.server.url, WebSocket, backoff: { baseMs: 50, capMs: 300 }, requestTimeoutMs: 10_000 });
      await c.connect();
      await c.register(name, PASSWORD);
      return c;
    };
    const olga = await sdk('olga');
    const pete = await sdk('pete');
    const nina = await webUser(suite.browser, suite.server.httpUrl, 'nina');
    try {
      const say = async (id: number, text: string) => {
        const entry = olga.sendTo(id, text);
        await waitFor(() => !olga.getSnapshot().outbox.some((e) => e.clientMsgId === entry.clientMsgId), { timeoutMs: 10_000, what: `"${text}" acked` });
      };
      const hidden = (await olga.createGroup('Night desk', ['pete'])).id;
      await say(hidden, 'before nina');
      await olga.renameGroup(hidden, 'Night shift');
      await olga.setRole(hidden, 'pete', 'admin');
      await olga.addMembers(hidden, ['nina']);
      await say(hidden, 'after nina');
      const shared = (await olga.createGroup('Open desk', ['pete'], { history: 'shared' })).id;
      await say(shared, 'before nina, shared');
      await olga.addMembers(shared, ['nina']);

      // The thread starts at her addition: the group's current name and members, none of the lines before.
      await nina.page.locator('.conv-item[data-kind="group"]').filter({ hasText: 'Night shift' }).click();
      await nina.page.getByRole('heading', { name: 'Night shift', exact: true }).waitFor();
      await expect.poll(() => messageTexts(nina.page)).toEqual(['after nina']);
      await expect.poll(() => systemLines(nina.page)).toEqual(['olga added you']);
      expect(await nina.page.getByTestId('group-status').innerText()).toBe('3 members');
      const shown = await nina.page.locator('.history-list').innerText();
      for (const earlier of ['created the group', 'renamed the group', 'an admin', 'Night desk']) expect(shown).not.toContain(earlier);

      // Where the history is shared, she reads the earlier messages and every line.
      await nina.page.locator('.conv-item[data-kind="group"]').filter({ hasText: 'Open desk' }).click();
      await nina.page.getByRole('heading', { name: 'Open desk', exact: true }).waitFor();
      await expect.poll(() => systemLines(nina.page)).toEqual(['olga created the group “Open desk” with pete', 'olga added you']);
      await expect.poll(() => messageTexts(nina.page)).toEqual(['before nina, shared']);
      expect(cspViolations).toEqual([]);
    } finally {
      await Promise.all([olga.exit(), pete.exit(), nina.context.close()]);
    }
  }, 120_000);

  test('your message gets the double tick only once every other member has read it', async () => {
    const base = suite.server.httpUrl;
    const [ann, ben, cat] = await webUsers(suite.browser, base, ['ann', 'ben', 'cat']);
    await createGroup(ann.page, 'Ticks', ['ben', 'cat']);
    await composer(ann.page, 'Ticks').fill('did you both see this?');
    await composer(ann.page, 'Ticks').press('Enter');
    const mine = bubble(ann.page, 'did you both see this?');
    await expect.poll(() => mine.getAttribute('data-status')).toBe('sent');

    // ben opens the group and reads it: one of two, so still one tick.
    const open = async (page: Page) => {
      await page.locator('.conv-item[data-kind="group"]').filter({ hasText: 'Ticks' }).click();
      await expect.poll(() => messageTexts(page)).toEqual(['did you both see this?']);
    };
    await open(ben.page);
    await expect.poll(() => ann.page.locator('.seen-by button').innerText(), { timeout: 15_000 }).toBe('Seen by 1 of 2');
    expect(await mine.getAttribute('data-status')).toBe('sent');
    expect(await mine.locator('.mark[data-status="sent"]').count()).toBe(1);

    // cat reads it too: everyone else has, and the tick doubles at once, without a reload.
    await open(cat.page);
    await expect.poll(() => mine.getAttribute('data-status'), { timeout: 15_000 }).toBe('seen');
    expect(await mine.locator('.mark[data-status="seen"]').count()).toBe(1);
    expect(await mine.locator('.visually-hidden').allInnerTexts()).toContain(', Seen');
    await expect.poll(() => ann.page.locator('.seen-by button').innerText()).toBe('Seen by 2 of 2');
    await screenshot(ann.page, 'group-seen-by-all');
  }, 120_000);
});
