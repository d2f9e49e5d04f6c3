// The terminal client's register screen in tmux: a password that is easy to guess is refused before anything is sent.
import { describe, expect, it } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { terminalSuite, typeUsername } from '../helpers/tui.js';

const E2E_TIMEOUT = 60_000;
const { tmux, terminals, spawnServer } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect: password strength at registration'), () => {
  it('refuses a weak password with the estimator feedback and sends nothing; a strong one goes on', async () => {
    const server = await spawnServer();
    const terminal = terminals.connect(server.port);
    await typeUsername(terminal, 'register', 'dora');
    await terminal.see('Password:');
    terminal.line('password1');
    await terminal.see('That password is too easy to guess.');
    const screen = terminal.screen({ joined: true });
    expect(screen).toMatch(/too easy to guess\. \S/);
    expect(screen).not.toContain('password1');
    expect(screen).not.toContain('Password again:');
    // The screen goes on: a strong password is asked again, as usual.
    terminal.line('tangerine otter violin');
    await terminal.see('Password again:');
    terminal.line('!exit');
    // Nothing reached the server: the name is still free.
    const probe = await e2eeUser(server.url, 'dora', 'tangerine otter violin');
    probe.close();
  }, E2E_TIMEOUT);
});
