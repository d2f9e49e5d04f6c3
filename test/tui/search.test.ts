// End to end in tmux: !search finds decrypted messages on the device, marks the words, opens the chat, and keeps its file sealed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { START_TIMEOUT_MS, login, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 90_000;
const { tmux, terminals, spawnServer, registered } = terminalSuite();

/** Every file of the search index under a terminal's PARLEY_HOME, read as bytes. */
function indexBytes(home: string): Buffer {
  const dir = path.join(home, 'profiles');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((name) => name.includes('.search.db'));
  expect(files.length).toBeGreaterThan(0);
  return Buffer.concat(files.map((name) => fs.readFileSync(path.join(dir, name))));
}

describe.skipIf(!tmux.run)(tmux.title('parley connect: !search'), () => {
  it('lists hits with the words marked, opens the chat by number, says plainly when nothing matches', async () => {
    const server = await spawnServer();
    const bob = await e2eeUser(server.url, 'bob', 'correct horse');
    const alice = await registered(server.port, 'alice');
    await bob.sendText('alice', 'Shall we try the Pancake place?', 'search-1');
    await bob.sendText('alice', 'pancakes again \u001B]0;PWNED\u0007 tomorrow', 'search-2');
    await bob.sendText('alice', 'something else entirely', 'search-3');
    await alice.see('bob: something else entirely');
    const title = alice.title();

    alice.line('!search PANCAKE');
    await alice.see('Search: PANCAKE — 2 messages, newest first');
    const screen = await alice.see(/1 +\S+ +bob +bob: pancakes again\s+tomorrow/);
    expect(screen).toMatch(/2 +\S+ +bob +bob: Shall we try the Pancake place\?/);
    expect(screen).not.toContain('something else');
    // The matched word is drawn in reverse video; the escape sequence in the message is not drawn at all.
    const reverse = new RegExp(`${String.fromCharCode(27)}\\[(\\d+;)*7(;\\d+)*mPancake`);
    expect(alice.screen({ escapes: true })).toMatch(reverse);
    expect(alice.title()).toBe(title);

    alice.line('/search nowhere');
    await alice.see('No message on this device holds all of these words.');
    alice.line('pan try');
    await alice.see(/1 +\S+ +bob +bob: Shall we try the Pancake place\?/);
    alice.line('7');
    await alice.see('Type a number from 1 to 1.');
    alice.line('1');
    await alice.see('Chat with bob');
    await alice.see(/bob: something else entirely$/m);
  }, E2E_TIMEOUT);

  it('after a restart finds older messages it never showed, and its file holds no word of them', async () => {
    const server = await spawnServer();
    const bob = await e2eeUser(server.url, 'bob', 'correct horse');
    const first = await registered(server.port, 'alice');
    first.line('!exit');
    await first.see('[exit status 0]');
    await bob.sendText('alice', 'the quinceberry marmalade recipe', 'restart-1');
    for (let i = 1; i <= 3; i++) await bob.sendText('alice', `filler ${i}`, `restart-filler-${i}`);

    // Same profile folder: the saved login resumes, and the index is filled in from history in the background.
    const again = terminals.connect(server.port, { home: first.home });
    await again.see('bob: filler 3', START_TIMEOUT_MS);
    again.line('!search quinceberry');
    await again.see(/1 +\S+ +bob +bob: the quinceberry marmalade recipe/);
    again.line('!exit');
    await again.see('[exit status 0]');
    const bytes = indexBytes(first.home);
    for (const word of ['quinceberry', 'marmalade', 'recipe']) expect(bytes.includes(Buffer.from(word)), word).toBe(false);

    // And a fresh sign-in elsewhere (no saved login) still works with a password.
    const other = terminals.connect(server.port);
    await login(other, 'alice');
    other.line('!search marmalade');
    await other.see(/1 +\S+ +bob +bob: the quinceberry marmalade recipe/);
  }, E2E_TIMEOUT);
});
