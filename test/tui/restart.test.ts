// End to end: the server is killed (SIGKILL) and restarted mid-conversation; the terminal clients lose nothing.
import { describe, expect, it } from 'vitest';
import { terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 60_000;
const { tmux, aliceAndBob, track } = terminalSuite();

const count = (screen: string, line: RegExp) => screen.split('\n').filter((l) => line.test(l)).length;

describe.skipIf(!tmux.run)(tmux.title('parley connect across a server crash'), () => {
  it('reconnects, resumes, and delivers everything typed before and during the outage exactly once', async () => {
    const { server, alice, bob } = await aliceAndBob();
    alice.line('bob');
    bob.line('alice');
    await alice.see('Chat with bob ● online');
    await bob.see('Chat with alice ● online');
    alice.line('before the crash');
    await bob.see(/alice: before the crash$/m);

    await server.kill('SIGKILL');
    await alice.see('reconnecting…');
    await bob.see('reconnecting…');
    alice.line('during the outage 1');
    alice.line('during the outage 2');
    bob.line('bob typed this offline');
    await alice.see(/alice: during the outage 2 \[sending\]/);
    await bob.see(/bob: bob typed this offline \[sending\]/);

    track(await server.restart());
    await bob.see(/alice: during the outage 2$/m, 30_000);
    await alice.see(/bob: bob typed this offline$/m, 30_000);
    await alice.see(/alice: during the outage 2 \[seen\]/);
    await bob.see(/bob: bob typed this offline \[seen\]/);
    // Resumed with the stored token: still signed in, never shown the login pages.
    expect(bob.screen().split('\n')[0]).toMatch(/· bob\s+online$/);

    const bobScreen = bob.screen();
    const aliceScreen = alice.screen();
    for (const line of [/alice: before the crash/, /alice: during the outage 1/, /alice: during the outage 2/, /bob: bob typed this offline/]) {
      expect(count(bobScreen, line), String(line)).toBe(1);
      expect(count(aliceScreen, line), String(line)).toBe(1);
    }
    // Order on both screens: as typed.
    const order = (screen: string) =>
      screen
        .split('\n')
        .filter((l) => /alice: |bob: /.test(l))
        .map((l) => l.replace(/^\d\d:\d\d /, '').replace(/ \[\w+\]$/, ''));
    expect(order(bobScreen).filter((l) => l.startsWith('alice:'))).toEqual([
      'alice: before the crash',
      'alice: during the outage 1',
      'alice: during the outage 2',
    ]);
    expect(order(aliceScreen)).toContain('bob: bob typed this offline');
  }, E2E_TIMEOUT);
});
