// End to end: the real `parley connect` in tmux terminals against a real `parley server` process.
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server.js';
import { e2eeUser as userClient } from '../helpers/e2ee-user.js';
import { START_TIMEOUT_MS, login, openChat, terminalSuite } from '../helpers/tui.js';

// Each `parley connect` loads through tsx; on a busy 2-core machine a start alone can take several seconds.
const E2E_TIMEOUT = 60_000;
const { tmux, terminals, spawnServer, aliceAndBob, registered } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect in a terminal'), () => {
  it('registers two users; !exit says bye, exits 0, and the other user sees them go offline', async () => {
    const { alice, bob } = await aliceAndBob();
    await alice.see('Online now (2): alice (you), bob');
    expect(bob.screen()).not.toContain('correct horse');
    bob.line('!exit');
    await bob.see('[exit status 0]');
    await alice.see('Online now (1): alice (you)');
  }, E2E_TIMEOUT);

  it('delivers to an offline user, who sees it after logging in', async () => {
    const server = await spawnServer();
    // Bob registered earlier and is offline now.
    const bobEarlier = await userClient(server.url, 'bob', 'correct horse');
    bobEarlier.close();
    const alice = await registered(server.port, 'alice');
    await alice.see('Online now (1): alice (you)');
    alice.line('bob');
    await alice.see('Chat with bob ○ offline');
    alice.line('are you there, bob?');
    await alice.see(/alice: are you there, bob\? \[sent\]/);

    const bob = terminals.connect(server.port);
    await login(bob, 'bob');
    await bob.see(/alice\s+● 1 unread\s+\S+ alice: are you there, bob\?/);
    await alice.see('Chat with bob ● online');
    bob.line('alice');
    await bob.see(/alice: are you there, bob\?$/m);
    await alice.see(/are you there, bob\? \[seen\]/);
  }, E2E_TIMEOUT);

  it('exchanges live messages, says an unknown name plainly, goes !back to the menu, and respects NO_COLOR', async () => {
    const { alice, bob } = await aliceAndBob({ bob: { env: { NO_COLOR: '1' } } });

    alice.line('Bob');
    await alice.see('There is no user named "Bob". Usernames are case sensitive.');
    await openChat(alice, 'bob');
    await openChat(bob, 'alice');

    alice.line('hi bob');
    await bob.see(/alice: hi bob$/m);
    bob.type('hello al');
    await alice.see('bob is typing…');
    // A message arriving mid-typing leaves the half-typed line alone.
    alice.line('still there?');
    await bob.see(/alice: still there\?$/m);
    await bob.see('> hello al');
    bob.type('ice');
    bob.press('Enter');
    await alice.see(/bob: hello alice$/m);
    await bob.see(/bob: hello alice \[(sent|seen)\]/);
    await alice.see(/alice: still there\? \[seen\]/);

    // Colour: alice's terminal shows the green "online", bob's (NO_COLOR) no colour codes at all.
    const sgr = (codes: string) => new RegExp(`${String.fromCharCode(27)}\\[(\\d+;)*(${codes})m`);
    expect(alice.screen({ escapes: true })).toMatch(sgr('32'));
    expect(bob.screen({ escapes: true })).not.toMatch(sgr('3[0-7]|9[0-7]|38;5;\\d+'));

    // Resize: the layout follows the terminal.
    bob.resize(60, 16);
    await bob.see(/^Parley · \S+ · bob {10,}online$/m);
    expect(bob.screen().split('\n')[0]!.length).toBeLessThanOrEqual(60);
    bob.resize(80, 24);
    await bob.see(/^Parley · \S+ · bob {30,}online$/m);

    alice.line('!help');
    await alice.see(/!more +show older messages/);
    alice.line('!back');
    await alice.see('Your conversations (newest first):');
    await alice.see(/bob\s+●\s+\S+ bob: hello alice/);
    alice.line('!back');
    await alice.see('You have logged out.');
    alice.line('!back');
    await alice.see('!back does nothing here: the login pages are the first screen.');
    alice.press('C-c');
    await alice.see('[exit status 0]');
  }, E2E_TIMEOUT);

  it('says one plain sentence and exits non-zero when nobody answers', async () => {
    const port = await freePort();
    const terminal = terminals.connect(port);
    await terminal.see('[exit status 1]', START_TIMEOUT_MS);
    const lines = terminal
      .screen({ joined: true })
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '');
    expect(lines).toEqual([
      `Could not reach a Parley server at 127.0.0.1:${port}; check the address and that the server is running.`,
      '[exit status 1]',
    ]);
  }, E2E_TIMEOUT);
});
