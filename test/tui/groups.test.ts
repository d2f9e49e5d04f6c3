// Groups in the terminal client, end to end: three `parley connect` in tmux against one real server. A group is
// started from the menu, everyone reads everyone with coloured names, your message is [seen] once every other
// member read it, membership changes appear in the flow for all, a removed member can no longer write, a mention
// is marked, and every refusal is one plain sentence.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient, ParleyError } from '../../src/shared/client/index.js';
import { startMaliciousProxy, type Frame, type MaliciousProxy } from '../helpers/malicious-proxy.js';
import type { Terminal } from '../helpers/tmux.js';
import { register, terminalSuite } from '../helpers/tui.js';

const E2E_TIMEOUT = 240_000;
const { tmux, terminals, spawnServer } = terminalSuite();

const sentence = (code: ConstructorParameters<typeof ParleyError>[0]) => new ParleyError(code).message;

// eslint-disable-next-line no-control-regex -- reading the terminal's escape sequences is the point
const SGR = /\u001b\[([\d;]*)m/g;

/**
 * The SGR parameters set since the last reset before `token`, on the row that reads `row` (capture-pane -e):
 * the style the token is drawn in, e.g. `38;5;142;49`.
 */
function styleOf(terminal: Terminal, row: string, token: string): string {
  const line = terminal.screen({ escapes: true }).split('\n').find((l) => l.replace(SGR, '').includes(row)) ?? '';
  const before = line.slice(0, line.indexOf(token));
  const codes = [...before.matchAll(SGR)].map((m) => m[1]!);
  const reset = codes.findLastIndex((c) => c === '' || c === '0' || c.startsWith('0;'));
  return codes.slice(reset + 1).join(';');
}

describe.skipIf(!tmux.run)(tmux.title('groups in parley connect (three terminals)'), () => {
  it('starts a group, shows names in colour and membership in the flow, refuses plainly, and shuts a removed member out', async () => {
    const server = await spawnServer();
    // All three start before anyone registers: a start is the slow part.
    const size = { columns: 100, rows: 30 };
    const alice = terminals.connect(server.port, size);
    const bob = terminals.connect(server.port, size);
    const carol = terminals.connect(server.port, size);
    await register(alice, 'alice');
    await register(bob, 'bob');
    await register(carol, 'carol');

    // Alice starts the group with bob; both see it, bob in his menu.
    alice.line('!group Lunch crew with bob');
    await alice.see('“Lunch crew” · 2 members · you are an owner');
    await alice.see(/you created the group/);
    await bob.see(/#Lunch crew/);
    bob.line('Lunch crew');
    await bob.see('“Lunch crew” · 2 members · you are a member');
    await bob.see(/alice created the group/);

    alice.line('hello group');
    await bob.see(/alice: hello group$/m);
    // bob, the only other member, has the group on screen: alice's message is seen.
    await alice.see(/alice: hello group \[seen\]/);
    bob.line('hi alice');
    await alice.see(/bob: hi alice$/m);
    // Each name in its own colour (a 256-colour foreground), the same on both screens.
    const colour = (style: string) => /(?:^|;)38;5;(\d+)/.exec(style)?.[1];
    const aliceOnBob = colour(styleOf(bob, 'alice: hello group', 'alice:'));
    const bobOnAlice = colour(styleOf(alice, 'bob: hi alice', 'bob:'));
    expect(aliceOnBob).toMatch(/^\d+$/);
    expect(bobOnAlice).toMatch(/^\d+$/);
    expect(bobOnAlice).not.toBe(aliceOnBob);
    expect(colour(styleOf(alice, 'alice: hello group', 'alice:'))).toBe(aliceOnBob);

    // Refusals in plain words: a member may not add, an unknown user, the last owner leaving.
    bob.line('!add carol');
    await bob.see(sentence('NOT_ALLOWED'));
    alice.line('!add nobody-here');
    await alice.see('There is no user called "nobody-here". Usernames are case sensitive.');
    alice.line('!leave');
    await alice.see(sentence('LAST_OWNER'));
    alice.line('!role bob boss');
    await alice.see('Type !role NAME owner, !role NAME admin or !role NAME member.');

    // Roles and the name: alice makes bob an admin, who may then rename the group; history is owners' only.
    alice.line('!role bob admin');
    await alice.see(/you made bob an admin/);
    await bob.see(/alice made you an admin/);
    bob.line('!rename Lunch club');
    await bob.see(/you renamed the group to “Lunch club”/);
    await alice.see(/bob renamed the group to “Lunch club”/);
    await alice.see('“Lunch club” · 2 members');
    bob.line('!history shared');
    await bob.see(sentence('NOT_ALLOWED'));

    // Alice adds carol: the line is in everyone's flow.
    alice.line('!add carol');
    await alice.see(/you added carol/);
    await bob.see(/alice added carol/);
    await carol.see(/#Lunch club/);
    // A message after carol joined waits for her too: bob reading it is not enough.
    alice.line('welcome carol');
    await bob.see(/alice: welcome carol$/m);
    await alice.see(/alice: welcome carol \[sent\]/);
    await new Promise((r) => setTimeout(r, 500));
    expect(alice.screen()).toMatch(/alice: welcome carol \[sent\]/);
    expect(alice.screen()).toMatch(/alice: hello group \[seen\]/);
    carol.line('!go 1');
    await carol.see('“Lunch club” · 3 members · you are a member');
    await alice.see(/alice: welcome carol \[seen\]/);
    await carol.see(/alice added you/);
    // The group keeps its history hidden: her flow starts at her addition, without the lines from before it.
    expect(carol.screen()).not.toMatch(/created the group|renamed the group|hello group/);
    alice.line('!members');
    await alice.see('3 members: alice (you, owner), bob (admin), carol');

    // A mention of bob is marked on bob's screen (reverse video), not on alice's.
    carol.line('lunch at noon, @bob?');
    await bob.see(/carol: lunch at noon, @bob\?$/m);
    await alice.see(/carol: lunch at noon, @bob\?$/m);
    expect(styleOf(bob, 'lunch at noon, @bob?', '@bob').split(';')).toContain('7');
    expect(styleOf(alice, 'lunch at noon, @bob?', '@bob').split(';')).not.toContain('7');

    // Who has seen it: the read marks arrive as each screen shows the message.
    for (let attempt = 0; ; attempt++) {
      alice.line('!seen');
      try {
        await alice.see(/The last message was seen by (you and bob|bob and you|alice and bob|bob)\./, 3_000);
        break;
      } catch (error) {
        if (attempt === 4) throw error;
      }
    }

    // Tab after @ completes a member's name.
    bob.type('thanks @ca');
    bob.press('Tab');
    await bob.see('> thanks @carol');
    bob.press('C-u');

    // Alice removes carol: everyone sees it; carol's line stays in her input with a plain sentence.
    alice.line('!remove carol');
    await alice.see(/you removed carol/);
    await bob.see(/alice removed carol/);
    await carol.see(/alice removed you/);
    await carol.see('You are no longer a member of this group');
    carol.line('can I still write?');
    await carol.see('You are no longer a member of this group, so you cannot write to it.');
    alice.line('after carol');
    await bob.see(/alice: after carol$/m);
    expect(carol.screen()).not.toContain('after carol');
    expect(bob.screen()).not.toContain('can I still write?');
    // The refused line stays in the input, to copy elsewhere; the menu says carol left.
    await carol.see('> can I still write?');
    carol.press('C-u');
    carol.line('!back');
    await carol.see(/#Lunch club +left/);
  }, E2E_TIMEOUT);

  describe('a hostile server', () => {
    let proxy: MaliciousProxy | null = null;
    let alice: ParleyClient | null = null;
    afterEach(async () => {
      await alice?.exit();
      await proxy?.close();
      alice = null;
      proxy = null;
    });

    /** Escape sequences (title, clipboard, colour), a line break that forges a row, a bidi override. */
    const HOSTILE = 'Ops\u001b]0;PWNED\u0007\u001b]52;c;cHduZWQ=\u0007\u001b[31mred\u001b[0m\n12:00 mallory: forged\u202eevil';

    /**
     * Rewrites what bob's client hears of groups: every group summary's name becomes HOSTILE, and every signed
     * change is broken, so no verified name takes the summary's place and the server's word is all there is.
     */
    function lie(frame: Frame): Frame {
      const walk = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(walk);
        if (value === null || typeof value !== 'object') return typeof value === 'string' && value.startsWith('mc1.') ? `${value.slice(0, 10)}${value.slice(11)}` : value;
        const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
        if (out.kind === 'group' && typeof out.name === 'string') out.name = HOSTILE;
        return out;
      };
      return walk(frame) as Frame;
    }

    it('draws a group name full of escape sequences as plain text on one line', async () => {
      const server = await spawnServer();
      proxy = await startMaliciousProxy(server);
      const bob = terminals.connect(proxy.port);
      bob.option('set-clipboard', 'on');
      await register(bob, 'bob');
      proxy.toClient((frame, link) => (link.username === 'bob' ? lie(frame) : frame));
      const titleBefore = bob.title();

      alice = new ParleyClient({ url: server.url, WebSocket });
      await alice.connect();
      await alice.register('alice', 'a password for alice');
      await alice.createGroup('Ops', ['bob']);

      await bob.see(/#Opsred 12:00 mallory: f/);
      bob.line('1');
      await bob.see(/“Opsred 12:00 mallory: forgedevil”/);
      await bob.see(/⚠/);
      const screen = bob.screen();
      expect(screen).not.toMatch(/^\d\d:\d\d mallory:/m);
      expect(screen).not.toContain('\u202e');
      expect(bob.title()).toBe(titleBefore);
      expect(bob.title()).not.toContain('PWNED');
      expect(bob.buffers()).toBe('');
      const row = bob.screen({ escapes: true }).split('\n').find((line) => line.includes('Opsred'))!;
      expect(row).not.toContain('\u001b[31m');
    }, E2E_TIMEOUT);
  });
});
