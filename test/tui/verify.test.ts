// End to end in a terminal: encrypted chat, !verify shows the same safety number to both people and marks it verified.
import { describe, expect, it } from 'vitest';
import { openChat, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 60_000;
const { tmux, aliceAndBob } = terminalSuite();

const digitsOf = (screen: string) => /Safety number with \w+: ((?:\d{5}\s*){12})/.exec(screen.replace(/\n/g, ' '))?.[1]?.replace(/\s+/g, '');

describe.skipIf(!tmux.run)(tmux.title('parley connect: safety numbers'), () => {
  it('!verify shows one safety number on both sides and marks it verified', async () => {
    const { alice, bob } = await aliceAndBob();
    await openChat(alice, 'bob');
    await openChat(bob, 'alice');
    alice.line('encrypted hello');
    await bob.see(/alice: encrypted hello$/m);
    // Confirming a number never shown is refused: there was nothing to compare.
    alice.line('!verify bob yes');
    await alice.see('Type !verify bob first to see the safety number');
    alice.line('!verify');
    await alice.see(/Safety number with bob: [\d\s]+— not verified/);
    bob.line('!verify alice');
    await bob.see(/Safety number with alice: [\d\s]+— not verified/);
    const a = digitsOf(alice.screen());
    expect(a).toMatch(/^\d{60}$/);
    expect(digitsOf(bob.screen())).toBe(a);
    alice.line('!verify bob yes');
    await alice.see("bob's keys are marked verified.");
    alice.line('!verify');
    await alice.see(/Safety number with bob: [\d\s]+— verified/);
  }, E2E_TIMEOUT);
});
