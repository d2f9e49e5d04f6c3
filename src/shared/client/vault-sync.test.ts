// VaultSync's one-at-a-time rule against a vault event that arrives while a pass is reading: the event must not be lost.
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../protocol.js';
import type { ClientContext } from './context.js';
import type { ServerSocket } from './server-socket.js';
import { initialState, type ClientState } from './state.js';
import { splitVault, VAULT_TOO_LARGE_NOTICE, VaultSync } from './vault-sync.js';

/** Pins whose vault text is the sorted list of pinned names; "sealing" is the identity. */
function pins(initial: string[] = []) {
  const names = new Set(initial);
  const text = () => [...names].sort().join(',');
  return {
    names,
    openVault: (vault: string) => vault,
    mergeVault: (vault: string) => vault.split(',').filter(Boolean).forEach((n) => names.add(n)),
    vaultText: text,
    emptyVaultText: () => '',
    sealVault: (t: string) => t,
  };
}

type PutVault = { vault: string; version: number; part?: { index: number; count: number } };

/**
 * A server connection whose `vault` answers the test releases one at a time (or that answers at once with
 * `answerReads`); parts are joined at the last. `onWrite` runs as each write arrives.
 */
function server(options: { answerReads?: boolean; onWrite?: () => void } = {}) {
  const stored = { vault: null as string | null, version: 0 };
  const reads: ((answer: { vault: string | null; version: number }) => void)[] = [];
  const writes: PutVault[] = [];
  let held: string[] = [];
  const conn = {
    isOpen: true,
    request: (type: string, body: PutVault) => {
      if (type === 'vault') return options.answerReads ? Promise.resolve({ ...stored }) : new Promise((resolve) => reads.push(resolve));
      writes.push(body);
      options.onWrite?.();
      if (body.part && body.part.index < body.part.count - 1) {
        held.push(body.vault);
        return Promise.resolve({ version: body.version, partsHeld: held.length });
      }
      stored.vault = held.join('') + body.vault;
      stored.version = body.version;
      held = [];
      return Promise.resolve({ version: body.version });
    },
  };
  return { stored, reads, writes, conn: conn as unknown as ServerSocket };
}

/** The parts of ClientContext VaultSync uses: the socket, the pins, the server's limits and the snapshot. */
function context(conn: ServerSocket, pins: unknown, limits: { maxFrameBytes?: number; vaultMaxLength?: number } = {}) {
  let state: ClientState = initialState({ bodyMaxLength: LIMITS.bodyMaxLength, passwordMinLength: LIMITS.passwordMinLength });
  return {
    ready: conn,
    keyring: { pins },
    maxFrameBytes: limits.maxFrameBytes ?? LIMITS.maxFrameBytes,
    vaultMaxLength: 'vaultMaxLength' in limits ? limits.vaultMaxLength : LIMITS.vaultMaxLength,
    get state() {
      return state;
    },
    update: (change: (s: ClientState) => ClientState) => (state = change(state)),
  } as unknown as ClientContext;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('VaultSync', () => {
  it('reads the vault again when another device wrote while a pass was reading it', async () => {
    const phone = pins();
    const { reads, conn } = server();
    const sync = new VaultSync(context(conn, phone));

    const first = sync.sync(conn); // at sign-in: the read is in flight
    await settle();
    expect(reads).toHaveLength(1);
    void sync.sync(conn); // the laptop pinned bob; the server's vault event arrives now
    reads[0]!({ vault: null, version: 0 }); // the first read was answered before the laptop's write
    await settle();
    expect(reads).toHaveLength(2);
    reads[1]!({ vault: 'bob', version: 1 });
    await first;
    expect([...phone.names]).toEqual(['bob']);
  });

  it('writes back what the vault lacks, and stops once they agree', async () => {
    const laptop = pins(['carol']);
    const { stored, reads, conn } = server();
    const sync = new VaultSync(context(conn, laptop));

    const pass = sync.sync(conn);
    await settle();
    reads[0]!({ vault: 'bob', version: 4 });
    await pass;
    expect(stored).toEqual({ vault: 'bob,carol', version: 5 });
    expect(reads).toHaveLength(1);
  });

  it('writes a vault past one frame in parts that each fit the frame, in order, and the server joins them', async () => {
    const names = Array.from({ length: 3_000 }, (_, i) => `contact-${String(i).padStart(5, '0')}`);
    const laptop = pins(names);
    const { stored, reads, writes, conn } = server();
    const ctx = context(conn, laptop, { maxFrameBytes: 16 * 1024 });
    const pass = new VaultSync(ctx).sync(conn);
    await settle();
    reads[0]!({ vault: null, version: 0 });
    await pass;
    const text = laptop.vaultText();
    expect(text.length).toBeGreaterThan(2 * 16 * 1024);
    expect(stored).toEqual({ vault: text, version: 1 });
    expect(writes.length).toBe(Math.ceil(text.length / (16 * 1024 - 200)));
    expect(writes.map((w) => w.part)).toEqual(writes.map((_, index) => ({ index, count: writes.length })));
    for (const w of writes) expect(JSON.stringify({ type: 'putVault', id: 2 ** 31, ...w }).length).toBeLessThanOrEqual(16 * 1024);
    expect(ctx.state.vaultNotice).toBeNull();
  });

  it('keeps a vault the server cannot take on the device, and says so in words; a later write that fits clears it', async () => {
    const laptop = pins(Array.from({ length: 15_000 }, (_, i) => `c${i}`));
    const { stored, reads, writes, conn } = server();
    // A server that takes one frame only (before vaults came in parts): no vaultMaxLength in its hello.
    const ctx = context(conn, laptop, { vaultMaxLength: undefined });
    const sync = new VaultSync(ctx);
    const pass = sync.sync(conn);
    await settle();
    reads[0]!({ vault: null, version: 0 });
    await pass;
    expect(writes).toEqual([]);
    expect(stored.vault).toBeNull();
    expect(ctx.state.vaultNotice).toBe(VAULT_TOO_LARGE_NOTICE);

    laptop.names.clear();
    laptop.names.add('bob');
    const again = sync.sync(conn);
    await settle();
    reads[1]!({ vault: null, version: 0 });
    await again;
    expect(stored).toEqual({ vault: 'bob', version: 1 });
    expect(ctx.state.vaultNotice).toBeNull();
  });
});

describe('VaultSync under a stream of pins', () => {
  it('writes the pins made during each pass, however many passes it takes (a large group pinned one by one)', async () => {
    const laptop = pins(['m0']);
    let made = 0;
    const { stored, writes, conn } = server({
      answerReads: true,
      // Each write is met by the next member's pin, before the pass has ended.
      onWrite: () => {
        if (++made > 5) return;
        laptop.names.add(`m${made}`);
        sync.changed();
      },
    });
    const sync = new VaultSync(context(conn, laptop));
    await sync.sync(conn);
    expect(stored.vault).toBe('m0,m1,m2,m3,m4,m5');
    expect(writes).toHaveLength(6);
  });
});

describe('splitVault', () => {
  it('keeps a vault that fits one frame whole, and cuts a larger one into parts under the frame that join to it', () => {
    expect(splitVault('vt1.small', LIMITS.maxFrameBytes, LIMITS.vaultMaxLength)).toEqual(['vt1.small']);
    const sealed = 'vt1.' + 'x'.repeat(200_000);
    const parts = splitVault(sealed, LIMITS.maxFrameBytes, LIMITS.vaultMaxLength)!;
    expect(parts.join('')).toBe(sealed);
    expect(parts).toHaveLength(4);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(LIMITS.maxFrameBytes - 200);
    // A server with a larger frame still gets parts the schema takes.
    for (const part of splitVault(sealed, 1024 * 1024, LIMITS.vaultMaxLength)!) expect(part.length).toBeLessThanOrEqual(LIMITS.vaultPartMaxLength);
  });

  it('refuses what the server would refuse: past its total, past the most parts, or parts at a server without them', () => {
    expect(splitVault('vt1.' + 'x'.repeat(LIMITS.vaultMaxLength), LIMITS.maxFrameBytes, LIMITS.vaultMaxLength)).toBeNull();
    expect(splitVault('vt1.' + 'x'.repeat(200_000), 2_048, LIMITS.vaultMaxLength)).toBeNull();
    expect(splitVault('vt1.' + 'x'.repeat(200_000), LIMITS.maxFrameBytes, undefined)).toBeNull();
    expect(splitVault('vt1.' + 'x'.repeat(1_000), LIMITS.maxFrameBytes, undefined)).toEqual(['vt1.' + 'x'.repeat(1_000)]);
  });
});
