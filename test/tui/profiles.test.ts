// End to end in tmux: two people using one OS account (one PARLEY_HOME) on one server each keep their own
// saved login: a restarted client comes back as the person who used it, and `!back` signs out only that person.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Terminal } from '../helpers/tmux.js';
import { START_TIMEOUT_MS, register, terminalSuite, typeUsername } from '../helpers/tui.js';
import { waitFor } from '../helpers/wait.js';

const E2E_TIMEOUT = 120_000;
const { tmux, terminals, spawnServer } = terminalSuite();

const header = (terminal: Terminal) => terminal.screen().split('\n')[0] ?? '';

describe.skipIf(!tmux.run)(tmux.title('parley connect: one saved login per server and username'), () => {
  it('restarts each terminal as its own person, and !back in one leaves the other signed in', async () => {
    const server = await spawnServer();
    const home = terminals.home();
    const profileDir = path.join(home, 'profiles', `127.0.0.1_${server.port}`);
    /** Closes a terminal (its client gets SIGHUP and exits) and waits until it has let go of its profile. */
    const close = async (terminal: Terminal, username: string) => {
      terminal.kill();
      await waitFor(() => !fs.existsSync(path.join(profileDir, `${username}.json.lock`)), { timeoutMs: 15_000, what: `${username}'s profile unlocked` });
    };

    const alice = terminals.connect(server.port, { home });
    await register(alice, 'alice');
    // alice's saved login is open in the first terminal: the second one says so and starts signed out.
    const bob = terminals.connect(server.port, { home });
    await bob.see('alice is signed in to this server in another parley connect', START_TIMEOUT_MS);
    await register(bob, 'bob');
    expect(fs.readdirSync(profileDir).filter((name) => name.endsWith('.json')).sort()).toEqual(['alice.json', 'bob.json']);

    // bob signed in last; alice's terminal restarts, and comes back as alice.
    await close(alice, 'alice');
    const alice2 = terminals.connect(server.port, { home });
    await alice2.see('alice (you)', START_TIMEOUT_MS);
    expect(header(alice2)).toMatch(/· alice\s+online$/);

    // !back there ends alice's session only: bob's terminal can still send.
    alice2.line('!back');
    await alice2.see('You have logged out.');
    bob.line('alice');
    await bob.see('Chat with alice');
    bob.line('bob is still here');
    await bob.see(/bob: bob is still here \[(sent|delivered|seen)\]/);
    expect(header(bob)).toMatch(/· bob\s+online$/);

    // And bob's terminal, restarted, comes back as bob; alice's (signed out) does not take his place.
    await close(bob, 'bob');
    const bob2 = terminals.connect(server.port, { home });
    await bob2.see('bob (you)', START_TIMEOUT_MS);
    expect(header(bob2)).toMatch(/· bob\s+online$/);
  }, E2E_TIMEOUT);

  it('opens the saved login named with --user, and refuses one open in another terminal', async () => {
    const server = await spawnServer();
    const home = terminals.home();
    const alice = terminals.connect(server.port, { home });
    await register(alice, 'alice');
    const again = terminals.connect(['127.0.0.1', String(server.port), '--user', 'alice'], { home });
    await again.see('[exit status 1]', START_TIMEOUT_MS);
    expect(again.screen({ joined: true })).toMatch(/alice is signed in to this server in another parley connect on this computer \(process \d+\); use that one, or close it first\./);
    // The same person on the login pages of a second terminal is told before typing the password.
    const other = terminals.connect(server.port, { home });
    await typeUsername(other, 'login', 'alice');
    await other.see('alice is signed in to this server in another parley connect');
    await other.see('Username:');
  }, E2E_TIMEOUT);
});
