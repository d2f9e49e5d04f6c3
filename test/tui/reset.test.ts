// End to end in a terminal: !reset-keys explains itself, asks yes and the password, and the contact's chat shows the key change.
import { describe, expect, it } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { openChat, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 90_000;
const { tmux, aliceAndBob } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect: identity reset'), () => {
  it('!reset-keys makes new keys after a yes and the password; history stays readable and bob is warned', async () => {
    const { server, alice, bob } = await aliceAndBob();
    await openChat(alice, 'bob');
    await openChat(bob, 'alice');
    alice.line('written before the reset');
    await bob.see(/alice: written before the reset$/m);
    const phone = await e2eeUser(server.url, 'alice', 'correct horse');

    alice.line('!back');
    await alice.see('Type a username to chat');
    alice.line('!account');
    await alice.see('Your account: alice');
    alice.line('!help');
    await alice.see(/!reset-keys +make new encryption keys/);
    // What it does, in words, before anything happens; anything but yes keeps the keys.
    alice.line('!reset-keys');
    await alice.see('Your contacts will see a warning that your keys changed');
    await alice.see('safety numbers with you again (!verify). Your other devices are signed out.');
    await alice.see('Type yes to make new keys, or !back to keep them:');
    alice.line('no');
    await alice.see('Your keys were not reset.');
    alice.line('!reset-keys');
    alice.line('yes');
    await alice.see('Your password (to reset your keys):');
    alice.line('wrong horse');
    await alice.see('That is not your password; your keys were not reset.');
    expect(phone.closeCode).toBeUndefined();
    alice.line('!reset-keys');
    alice.line('yes');
    await alice.see('Your password (to reset your keys):');
    alice.line('correct horse');
    await alice.see('Your keys are reset (key version 2).');
    expect(alice.screen()).not.toMatch(/correct horse|wrong horse/);
    expect(await phone.waitClosed()).toBe(4001);

    // bob, in the chat with alice, is warned at once.
    await bob.see("⚠ alice's keys changed");

    // alice's history is still readable, and her next message reaches bob under the new keys.
    alice.line('!back');
    await alice.see('Type a username to chat');
    await openChat(alice, 'bob');
    await alice.see(/alice: written before the reset \[seen\]$/m);
    alice.line('written after the reset');
    // Signed by keys bob has not accepted: a warning in its place, never the text, until bob compares and accepts.
    await bob.see(/alice: ⚠ signed by keys you have not accepted/);
    expect(bob.screen()).not.toMatch(/written after the reset/);
    bob.line('!verify alice');
    await bob.see(/Safety number with alice: [\d\s]+— not verified/);
    bob.line('!verify alice yes');
    await bob.see(/alice: written after the reset$/m);
  }, E2E_TIMEOUT);
});
