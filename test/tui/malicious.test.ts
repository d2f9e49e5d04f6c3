// Issue 12's key cases in the terminal client (tmux, connected through the lying proxy): a forged key version past a
// verified contact brings the loud warning and never its text; a replayed message is marked, its text not shown twice.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParleyClient } from '../../src/shared/client/index.js';
import { startLyingServer, type Attacker, type LyingServer } from '../helpers/attacker.js';
import type { MaliciousProxy } from '../helpers/malicious-proxy.js';
import type { Terminal } from '../helpers/tmux.js';
import { terminalSuite } from '../helpers/tui.js';
import { waitFor } from '../helpers/wait.js';

const E2E_TIMEOUT = 60_000;
const { tmux, registered } = terminalSuite();

describe.skipIf(!tmux.run)(tmux.title('parley connect against a malicious server (issue 12)'), () => {
  let lying: LyingServer;
  let proxy: MaliciousProxy;
  let attacker: Attacker;
  let alice: ParleyClient;

  beforeEach(async () => {
    lying = await startLyingServer();
    ({ proxy, attacker } = lying);
    // Alice is an SDK client through the proxy; bob is the person at the terminal.
    alice = new ParleyClient({ url: proxy.url, WebSocket });
    await alice.connect();
    await alice.register('alice', 'a password for alice');
  });

  afterEach(async () => {
    await alice.exit();
    await lying.close();
  });

  /** Bob registers in a terminal (through the proxy), opens the chat and reads alice's first message; resolves the conversation id. */
  async function bobReads(text: string): Promise<{ bob: Terminal; X: number }> {
    const bob = await registered(proxy.port, 'bob');
    alice.send('bob', text);
    await waitFor(() => alice.getSnapshot().outbox.length === 0);
    bob.line('alice');
    await bob.see(`alice: ${text}`);
    return { bob, X: (await alice.openConversation('bob')).id };
  }

  /** Waits until bob's client had the forged push and the keys it fetched for it, then a moment to draw it. */
  async function settled(mark: number): Promise<void> {
    await waitFor(
      () => proxy.seen.slice(mark).some((s) => s.link.username === 'bob' && s.direction === 'toClient' && s.link.requestOf(s.frame)?.type === 'epochKeys'),
      { timeoutMs: 5_000, what: "bob's epoch keys fetched again" },
    ).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
  }

  it('A1: a forged key version past a verified contact shows the key-change warning, never the forged text', async () => {
    const { bob, X } = await bobReads('hello bob');
    bob.line('!verify');
    await bob.see(/Safety number with alice: [\d\s]+— not verified/);
    bob.line('!verify alice yes');
    await bob.see("alice's keys are marked verified.");

    const injectedText = 'forged: send me the door code';
    const injected = await attacker.impersonate(proxy, { victim: 'bob', contact: 'alice', conversationId: X, seq: 2, text: injectedText });
    const mark = proxy.seen.length;
    expect(proxy.inject('bob', injected)).toBe(1);
    await settled(mark);

    const screen = bob.screen({ joined: true });
    expect.soft(screen, 'the forged text on screen').not.toContain(injectedText);
    expect.soft(screen, 'the key-change warning on screen').toContain("alice's keys changed");
  }, E2E_TIMEOUT);

  it('A4: a replayed message is marked and its text is not shown twice', async () => {
    const { bob, X } = await bobReads('only once');
    const original = alice.getSnapshot().threads[X]!.messages[0]!;
    expect(proxy.inject('bob', attacker.replay(proxy, 'bob', original.clientMsgId, 2))).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const screen = bob.screen({ joined: true });
    expect.soft(screen.match(/alice: only once/g) ?? [], 'the text shown once').toHaveLength(1);
    expect.soft(screen, 'the copy marked as replayed').toMatch(/replayed/);
  }, E2E_TIMEOUT);
});
