// The server-wide bound on vault parts held in memory: many connections holding parts at once cannot pass it,
// and whatever ends a connection's vault (its last part, a refusal, a drop) gives its characters back.
import { expect, test } from 'vitest';
import { ParleyError } from '../../shared/errors.js';
import type { RequestOf } from '../../shared/protocol.js';
import { VaultParts } from './vault-parts.js';

const part = (index: number, count: number, size: number, version = 1): RequestOf<'putVault'> => ({
  id: 1,
  type: 'putVault',
  vault: (index === 0 ? 'vt1.' : '') + 'x'.repeat(index === 0 ? size - 4 : size),
  version,
  part: { index, count },
});

const refusal = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof ParleyError ? error.code : String(error);
  }
  return undefined;
};

test('connections holding parts at once stay within the bound: past it SERVER_BUSY, and the busy one holds nothing', () => {
  const parts = new VaultParts(25_000);
  const conns = Array.from({ length: 5 }, () => ({}));
  // Each of five connections sends the first part of a three-part vault: only two fit the bound.
  const codes = conns.map((conn) => refusal(() => parts.take(conn, part(0, 3, 10_000))));
  expect(codes).toEqual([undefined, undefined, 'SERVER_BUSY', 'SERVER_BUSY', 'SERVER_BUSY']);
  expect(parts.held).toBe(20_000);
  expect(conns.map((conn) => parts.holds(conn))).toEqual([true, true, false, false, false]);
  // The next part of a holder would pass the bound too.
  expect(refusal(() => parts.take(conns[0]!, part(1, 3, 10_000)))).toBe('SERVER_BUSY');
  expect(parts.held).toBe(10_000);
  // The last part is never refused for the bound: it ends the vault and gives everything back.
  expect(parts.take(conns[1]!, part(1, 3, 10_000))).toBeNull();
  expect(parts.held).toBe(20_000);
  expect(parts.take(conns[1]!, part(2, 3, 10_000))).toHaveLength(30_000);
  expect(parts.held).toBe(0);
  expect(parts.holds(conns[1]!)).toBe(false);
});

test('a refusal, a new first part, a whole vault and a drop each give back what the connection held', () => {
  const parts = new VaultParts();
  const conn = {};
  parts.take(conn, part(0, 3, 1_000));
  parts.take(conn, part(1, 3, 1_000));
  expect(parts.held).toBe(2_000);
  // Out of order: refused, and nothing is held any more.
  expect(refusal(() => parts.take(conn, part(1, 3, 1_000)))).toBe('VAULT_PART_OUT_OF_ORDER');
  expect(parts.held).toBe(0);
  parts.take(conn, part(0, 3, 1_000));
  // A first part of a new version starts over.
  parts.take(conn, part(0, 2, 500, 2));
  expect(parts.held).toBe(500);
  // A whole vault replaces the unfinished one.
  expect(parts.take(conn, { id: 1, type: 'putVault', vault: 'vt1.whole', version: 3 })).toBe('vt1.whole');
  expect(parts.held).toBe(0);
  parts.take(conn, part(0, 3, 1_000));
  parts.drop(conn);
  expect(parts.held).toBe(0);
  expect(parts.holds(conn)).toBe(false);
});
