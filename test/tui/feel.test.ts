// End to end in tmux (issue 14, "the feel of a modern chat program"): title and bell, quick switching,
// history and Tab, pasting many lines, the new-messages divider, read marks, day separators, colours, `/`.
import { describe, expect, it } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { openChat, register, terminalSuite } from '../helpers/tui.js';
import { waitFor } from '../helpers/wait.js';
import { NAME_COLORS } from '../../src/tui/theme.js';

const E2E_TIMEOUT = 90_000;
const { tmux, terminals, spawnServer, aliceAndBob, registered } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect feels like a chat program'), () => {
  it('counts unread in the window title, rings the bell, and gives the title back on exit; --no-bell and PARLEY_BELL=0 stay quiet', async () => {
    const server = await spawnServer();
    const bob = await e2eeUser(server.url, 'bob', 'correct horse');
    const alice = terminals.connect(server.port);
    const quiet = terminals.connect(['127.0.0.1', String(server.port), '--no-bell']);
    const quietEnv = terminals.connect(server.port, { env: { PARLEY_BELL: '0' } });
    await register(alice, 'alice');
    await register(quiet, 'carol');
    await register(quietEnv, 'dave');
    await waitFor(() => alice.title() === 'Parley', { what: 'the title Parley' });
    expect(alice.rang()).toBe(false);

    await bob.sendText('alice', 'one', 'c1');
    await bob.sendText('alice', 'two \u001b]0;evil\u0007', 'c2');
    await alice.see(/bob\s.*2 unread/);
    await waitFor(() => alice.title() === 'Parley (2 unread)', { what: 'the unread count in the title' });
    expect(alice.rang()).toBe(true);

    await bob.sendText('carol', 'hi carol', 'c3');
    await bob.sendText('dave', 'hi dave', 'c4');
    await quiet.see('1 unread');
    await quietEnv.see('1 unread');
    await waitFor(() => quiet.title() === 'Parley (1 unread)' && quietEnv.title() === 'Parley (1 unread)', { what: 'the quiet titles' });
    expect(quiet.rang()).toBe(false);
    expect(quietEnv.rang()).toBe(false);

    alice.line('bob');
    await alice.see('bob: two');
    await waitFor(() => alice.title() === 'Parley', { what: 'the title without unread once read' });
    alice.line('/exit');
    await alice.see('[exit status 0]');
    expect(alice.title()).not.toContain('Parley');
  }, E2E_TIMEOUT);

  it('switches with !go, /go, Alt+number and Tab, and recalls sent lines with Up', async () => {
    const server = await spawnServer();
    const carol = await e2eeUser(server.url, 'carol', 'correct horse');
    const bob = await e2eeUser(server.url, 'bob', 'correct horse');
    const alice = await registered(server.port, 'alice');
    await carol.sendText('alice', 'from carol', 'c1');
    await bob.sendText('alice', 'from bob', 'b1');
    await alice.see(/bob .*from bob/);

    // The menu lists bob first (newest); Alt+2 is carol.
    alice.press('M-2');
    await alice.see('Chat with carol');
    alice.line('hello carol');
    await alice.see(/alice: hello carol \[/);
    alice.line('/go bob');
    await alice.see('Chat with bob');
    alice.type('!go ca');
    alice.press('Tab');
    await alice.see('> !go carol');
    alice.press('Enter');
    await alice.see('Chat with carol');

    // Up on the empty line brings back what was sent last, then earlier lines; Down comes back to the draft.
    alice.press('Up');
    await alice.see('> !go carol');
    alice.press('Up');
    await alice.see('> /go bob');
    alice.press('Up');
    await alice.see('> hello carol');
    alice.press('Down', 'Down', 'Down');
    await alice.see(/^>\s*$/m);
    alice.type('half');
    alice.press('Up');
    await alice.see('> !go carol');
    alice.press('Down');
    await alice.see('> half');
    alice.press('C-u');
    // Carol's chat is now the newest: first in the menu.
    alice.line('!go 2');
    await alice.see('Chat with bob');
    alice.press('M-1');
    await alice.see('Chat with carol');
    alice.line('//me waves');
    await alice.see(/alice: \/me waves \[/);
  }, E2E_TIMEOUT);

  it('sends a paste of 45 lines as one message, and Alt+Enter adds a line', async () => {
    const { alice, bob } = await aliceAndBob();
    await openChat(alice, 'bob');

    const lines = Array.from({ length: 45 }, (_, i) => `pasted line ${i + 1}`);
    alice.paste(`${lines.join('\n')}\n`);
    // The draft shows its last lines and says how many are above; nothing was sent yet.
    await alice.see('more lines above');
    expect(alice.screen()).not.toMatch(/\[(sending|sent)\]/);
    alice.press('Enter');
    await alice.see(/pasted line 45 \[(sent|seen)\]/);
    await bob.see(/alice\s.*1 unread/);

    alice.type('first');
    alice.press('M-Enter');
    alice.type('second');
    alice.press('C-j');
    alice.type('third');
    await alice.see(/^ {2}third/m);
    alice.press('Enter');
    await alice.see(/↳ third \[(sent|seen)\]/);
    await bob.see(/alice\s.*2 unread/);
    // Bob's chat opens at the first unread, the pasted message; the next one is a page down.
    bob.line('alice');
    await bob.see('── new messages ──');
    bob.press('NPage');
    await bob.see('↳ third');
    expect(bob.screen()).toMatch(/alice: first\n.*↳ second\n.*↳ third/);
  }, E2E_TIMEOUT);

  it('opens at a "new messages" divider, marks read only what was on screen, shows the day and coloured names', async () => {
    // Forty messages at once: more than the default burst allowance of a user.
    const server = await spawnServer({ env: { PARLEY_MESSAGE_BURST: '100' } });
    const bob = await e2eeUser(server.url, 'bob', 'correct horse');
    const alice = await registered(server.port, 'alice');
    for (let i = 1; i <= 40; i++) await bob.sendText('alice', `news ${i}`, `n${i}`);
    await alice.see(/bob\s.*\d+ unread.*news 40/);

    alice.line('bob');
    await alice.see('── new messages ──');
    const first = alice.screen();
    expect(first).toContain('── Today ──');
    expect(first).toMatch(/bob: news 1$/m);
    expect(first).not.toMatch(/news 40$/m);
    const coloured = alice.screen({ escapes: true }).split('\n').find((row) => row.includes('news 1'))!;
    // One of the names' 256-colour palette (theme.ts), right before the name.
    const palette = NAME_COLORS.join('|');
    expect(coloured).toMatch(new RegExp(`\u001b\\[38;5;(?:${palette})m(?:\u001b\\[[0-9;]*m)*bob:`));

    // Back in the menu, what was not shown is still unread.
    alice.line('!back');
    const unread = Number(/bob\s.*?(\d+) unread/.exec(await alice.see(/bob\s.*\d+ unread/))![1]);
    expect(unread).toBeGreaterThan(0);
    expect(unread).toBeLessThan(40);

    // Paging down to the newest reads the rest.
    alice.line('bob');
    await alice.see('── new messages ──');
    for (let i = 0; i < 5; i++) alice.press('NPage');
    await alice.see(/bob: news 40$/m);
    alice.line('!back');
    await alice.see(/bob\s.*\d\d:\d\d bob: news 40/);
    expect(alice.screen()).not.toMatch(/\d+ unread/);
  }, E2E_TIMEOUT);
});
