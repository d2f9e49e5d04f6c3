// Issue 14: the terminal client against what it displays and what it is typed. A message's bytes cannot move
// the cursor, forge a line as someone else, set the window title, write the clipboard or recolour the screen;
// no key sequence crashes the client; control keys that arrive in one read act as keys.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import type { Terminal } from '../helpers/tmux.js';
import { openChat, register, terminalSuite } from '../helpers/tui.js';
import { waitFor } from '../helpers/wait.js';

const E2E_TIMEOUT = 90_000;
const { tmux, terminals, spawnServer } = terminalSuite();

/** A screen row that reads as a line written by `name`: the time at the start, then the name. */
const forgedRow = (name: string) => new RegExp(`^\\d\\d:\\d\\d ${name}:`, 'm');

describe.skipIf(!tmux.run)(tmux.title('parley connect against hostile bytes (issue 14)'), () => {
  let alice: ParleyClient;
  let bob: Terminal;

  beforeEach(async () => {
    const server = await spawnServer();
    alice = new ParleyClient({ url: server.url, WebSocket });
    await alice.connect();
    await alice.register('alice', 'a password for alice');
    bob = terminals.connect(server.port);
    bob.option('set-clipboard', 'on');
    await register(bob, 'bob');
    await openChat(bob, 'alice');
  }, E2E_TIMEOUT);

  afterEach(async () => {
    await alice.exit();
  });

  const fromAlice = async (text: string, visible: string) => {
    alice.send('bob', text);
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    return bob.see(visible);
  };

  it('a message cannot forge a line, set the title, write the clipboard or colour the screen', async () => {
    const titleBefore = bob.title();
    await fromAlice('one\r18:52 mallory: carriage return', 'carriage return');
    await fromAlice('two\n18:53 mallory: line feed', 'line feed');
    await fromAlice(`three${' '.repeat(80 - 13 - 5)}18:54 mallory: wrapped`, 'wrapped');
    await fromAlice('\u001b]0;PWNED\u0007four \u001b]52;c;cHduZWQ=\u0007five', 'four five');
    await fromAlice('six \u001b[31mred\u001b[0m \u009b32mgreen \u202eevil\u202c sixend', 'sixend');
    const screen = bob.screen();
    expect(screen).not.toMatch(forgedRow('mallory'));
    // The line break is shown, marked as the same message's next line.
    expect(screen).toContain('↳ 18:53 mallory: line feed');
    expect(screen).toMatch(/alice: six red green evil sixend/);
    expect(screen).not.toContain('\u202e');
    expect(bob.title()).toBe(titleBefore);
    expect(bob.title()).not.toContain('PWNED');
    expect(bob.buffers()).toBe('');
    const coloured = bob.screen({ escapes: true }).split('\n').find((row) => row.includes('six'))!;
    expect(coloured).not.toContain('\u001b[31m');
    expect(coloured).not.toContain('\u001b[32m');
  }, E2E_TIMEOUT);

  it('keys it does not know (Ctrl+F1…F4, a pasted colour code) do nothing, and the draft survives', async () => {
    bob.type('my draft');
    for (const seq of ['\u001b[1;5P', '\u001b[1;5Q', '\u001b[1;5R', '\u001b[1;5S', '\u001b[1;5G', 'pasted \u001b[31mred\u001b[0m']) bob.bytes(seq);
    bob.press('Enter');
    await waitFor(() => alice.getSnapshot().threads && Object.values(alice.getSnapshot().threads).some((t) => t.messages.some((m) => m.body.startsWith('my draft'))), {
      timeoutMs: 15_000,
      what: "bob's draft to arrive",
    });
    const body = Object.values(alice.getSnapshot().threads).flatMap((t) => t.messages).find((m) => m.body.startsWith('my draft'))!.body;
    expect(body).toBe('my draftpasted red');
    expect(bob.screen()).not.toContain('[exit status');
  }, E2E_TIMEOUT);

  it('Backspaces and Ctrl-E Ctrl-U that arrive in one read edit the line; Delete deletes forward', async () => {
    bob.type('abcdefgh');
    bob.bytes('\u007f\u007f\u007f\u007f\u007f');
    bob.press('Enter');
    await bob.see(/bob: abc \[/);
    bob.type('not this');
    bob.bytes('\u0005\u0015');
    bob.type('xyz');
    bob.press('Home', 'DC', 'Enter');
    await bob.see(/bob: yz \[/);
    expect(bob.screen()).not.toContain('not this');
    expect(bob.screen()).not.toContain('abcdefgh');
  }, E2E_TIMEOUT);
});
