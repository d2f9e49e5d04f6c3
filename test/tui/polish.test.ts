// End to end in tmux (issue 14, item 5): what the terminal client says and shows in small everyday moments.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { e2eeUser } from '../helpers/e2ee-user.js';
import { login, openChat, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 60_000;
const { tmux, terminals, spawnServer, registered } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect: reasons, help, notes to self, device names'), () => {
  it('says on the first page why a session signed out elsewhere ended', async () => {
    const server = await spawnServer();
    const phone = await e2eeUser(server.url, 'alice', 'correct horse');
    const terminal = terminals.connect(server.port);
    await login(terminal, 'alice');
    await phone.request('logoutEverywhere', { type: 'logoutEverywhere' });
    await terminal.see('Type login or register');
    await terminal.see('Your session has ended; log in again.');
  }, E2E_TIMEOUT);

  it('clears an old error with !help, aligns the help, marks a note to yourself seen, names the device user@host', async () => {
    const server = await spawnServer();
    const terminal = await registered(server.port, 'alice');

    terminal.line('!nope');
    await terminal.see('There is no command !nope');
    terminal.line('!help');
    await terminal.see('Commands in the menu:');
    const screen = terminal.screen();
    expect(screen).not.toContain('There is no command !nope');
    const columns = screen
      .split('\n')
      .filter((line) => /^(USERNAME|!account|!back|!help|!exit) /.test(line))
      .map((line) => /^\S+\s+/.exec(line)?.[0].length);
    expect(columns).toHaveLength(5);
    expect(new Set(columns).size).toBe(1);

    await openChat(terminal, 'alice');
    terminal.line('a note to myself');
    await terminal.see(/alice: a note to myself \[seen\]/);

    terminal.line('!back');
    await terminal.see('alice (you)');
    terminal.line('!account');
    const expected = `${os.userInfo().username}@${os.hostname().split('.')[0]}`;
    await terminal.see(new RegExp(`1\\. ${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} .*online now \\(this device\\)`));
  }, E2E_TIMEOUT);
});
