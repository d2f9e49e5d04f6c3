// VaultSync's one-at-a-time rule against a vault event that arrives while a pass is reading: the event must not be lost.
import { describe, expect, it } from 'vitest';
import type { ClientContext } from './context.js';
import type { ServerSocket } from './server-socket.js';
import { VaultSync } from './vault-sync.js';

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

/** A server connection whose `vault` answers the test releases one at a time. */
function server() {
  const stored = { vault: null as string | null, version: 0 };
  const reads: ((answer: { vault: string | null; version: number }) => void)[] = [];
  const conn = {
    isOpen: true,
    request: (type: string, body: { vault?: string; version?: number }) => {
      if (type === 'vault') return new Promise((resolve) => reads.push(resolve));
      stored.vault = body.vault!;
      stored.version = body.version!;
      return Promise.resolve({});
    },
  };
  return { stored, reads, conn: conn as unknown as ServerSocket };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('VaultSync', () => {
  it('reads the vault again when another device wrote while a pass was reading it', async () => {
    const phone = pins();
    const { reads, conn } = server();
    const sync = new VaultSync({ ready: conn, keyring: { pins: phone } } as unknown as ClientContext);

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
    const sync = new VaultSync({ ready: conn, keyring: { pins: laptop } } as unknown as ClientContext);

    const pass = sync.sync(conn);
    await settle();
    reads[0]!({ vault: 'bob', version: 4 });
    await pass;
    expect(stored).toEqual({ vault: 'bob,carol', version: 5 });
    expect(reads).toHaveLength(1);
  });
});
