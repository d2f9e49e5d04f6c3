// vault and putVault: the user's sealed record of verified contacts, written one version after the other.
import { expect, test } from 'vitest';
import { describeStores, type FakeConnection, type HandlerHarness } from '../../../test/helpers/handler-harness.js';
import { COMMIT_FAILED } from '../../../test/helpers/store-kinds.js';
import { LIMITS } from '../../shared/protocol.js';
import { putVault, vault } from './vault.js';

/** A vault of `count` parts of `size` characters each (the first starts `vt1.`): what a client sends past one frame. */
const partsOf = (count: number, size = 60_000): string[] =>
  Array.from({ length: count }, (_, i) => (i === 0 ? 'vt1.' : '') + String.fromCharCode(65 + (i % 26)).repeat(i === 0 ? size - 4 : size));

/** Sends parts `from` to `to` (exclusive) of `parts` as the vault at `version`. */
const sendParts = (h: HandlerHarness, conn: FakeConnection, parts: readonly string[], version: number, from = 0, to = parts.length) =>
  Promise.all(
    parts.slice(from, to).map((text, i) => h.handle(putVault, { type: 'putVault', vault: text, version, part: { index: from + i, count: parts.length } }, conn)),
  );

await describeStores((harness) => {
  test('empty at first; each write is the next version, read back by the user and announced to their other devices', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: null, version: 0 });

    expect(await h.handle(putVault, { type: 'putVault', vault: 'vt1.first', version: 1 }, alice.conn)).toEqual({ version: 1 });
    expect(await h.handle(vault, { type: 'vault' }, phone.conn)).toEqual({ vault: 'vt1.first', version: 1 });
    expect(phone.conn.framesOf('vault')).toEqual([{ type: 'vault', version: 1 }]);
    expect(alice.conn.framesOf('vault')).toEqual([]);
    await h.handle(putVault, { type: 'putVault', vault: 'vt1.second', version: 2 }, phone.conn);
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: 'vt1.second', version: 2 });
  });

  test('a version other than the next is VAULT_CONFLICT: another device wrote first', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.handle(putVault, { type: 'putVault', vault: 'vt1.first', version: 1 }, alice.conn);
    await h.refuses('VAULT_CONFLICT', () => h.handle(putVault, { type: 'putVault', vault: 'vt1.stale', version: 1 }, alice.conn));
    await h.refuses('VAULT_CONFLICT', () => h.handle(putVault, { type: 'putVault', vault: 'vt1.ahead', version: 3 }, alice.conn));
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: 'vt1.first', version: 1 });
  });

  test('an account without keys has no vault to write: NO_KEYS', async () => {
    const h = harness();
    const old = await h.account('old', { keys: false, password: 'long enough password' });
    await h.refuses('NO_KEYS', () => h.handle(putVault, { type: 'putVault', vault: 'vt1.first', version: 1 }, old.conn));
  });

  test('a vault past one frame is written in parts: held until the last, then stored whole at once and announced', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const parts = partsOf(4);
    const before = await h.rows();
    // Sent at once, as the SDK does: each is taken in arrival order.
    const replies = await sendParts(h, alice.conn, parts, 1, 0, 3);
    expect(replies).toEqual([{ version: 1, partsHeld: 1 }, { version: 1, partsHeld: 2 }, { version: 1, partsHeld: 3 }]);
    expect(await h.rows(), 'nothing is stored before the last part').toEqual(before);
    expect(phone.conn.framesOf('vault')).toEqual([]);

    expect(await sendParts(h, alice.conn, parts, 1, 3)).toEqual([{ version: 1 }]);
    expect(await h.handle(vault, { type: 'vault' }, phone.conn)).toEqual({ vault: parts.join(''), version: 1 });
    expect(phone.conn.framesOf('vault')).toEqual([{ type: 'vault', version: 1 }]);
    expect(h.services.vaultParts.holds(alice.conn)).toBe(false);
  });

  test('parts out of order, for another version or of another count are VAULT_PART_OUT_OF_ORDER, and drop what was held', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const parts = partsOf(3, 1_000);
    const part = (index: number, version = 1, count = 3) => () =>
      h.handle(putVault, { type: 'putVault', vault: parts[index]!, version, part: { index, count } }, alice.conn);

    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1));
    await part(0)();
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(2));
    // The refusal dropped part 0: part 1 has nothing to follow.
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1));
    await part(0)();
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1, 2));
    await part(0)();
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1, 1, 4));
    // A first part for a new version starts over: the other version's parts are gone.
    await part(0, 1)();
    await part(0, 2)();
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1, 1));
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: null, version: 0 });
    // A later part that does not start `vt1.` is fine; a first one must.
    await expect(h.handle(putVault, { type: 'putVault', vault: 'AAAA', version: 1, part: { index: 0, count: 2 } }, alice.conn)).rejects.toThrow(/vt1/);
    // A whole vault in one frame replaces an unfinished one.
    await part(0)();
    await h.handle(putVault, { type: 'putVault', vault: 'vt1.whole', version: 1 }, alice.conn);
    await h.refuses('VAULT_PART_OUT_OF_ORDER', part(1));
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: 'vt1.whole', version: 1 });
  });

  test('a vault past the total limit or in too many parts is VAULT_TOO_LARGE, even sent all at once; nothing is stored', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const before = await h.rows();
    const big = partsOf(Math.ceil(LIMITS.vaultMaxLength / 60_000) + 1);
    const results = await Promise.allSettled(
      big.map((text, index) => h.handle(putVault, { type: 'putVault', vault: text, version: 1, part: { index, count: big.length } }, alice.conn)),
    );
    const codes = results.map((result) => (result.status === 'rejected' ? (result.reason as { code: string }).code : 'held'));
    const limit = Math.floor(LIMITS.vaultMaxLength / 60_000);
    expect(codes.slice(0, limit)).toEqual(Array<string>(limit).fill('held'));
    expect(codes[limit]).toBe('VAULT_TOO_LARGE');
    // What follows the refusal has nothing to follow.
    expect(new Set(codes.slice(limit + 1))).toEqual(new Set(['VAULT_PART_OUT_OF_ORDER']));
    expect(await h.rows()).toEqual(before);
    expect(h.services.vaultParts.holds(alice.conn)).toBe(false);

    const many = partsOf(LIMITS.vaultMaxParts + 1, 10);
    const error = await h.refuses('VAULT_TOO_LARGE', () =>
      h.handle(putVault, { type: 'putVault', vault: many[0]!, version: 1, part: { index: 0, count: many.length } }, alice.conn),
    );
    expect(error.message).toContain(`${LIMITS.vaultMaxParts} parts`);
    expect(error.message).not.toContain('vt1.');
  });

  test('a failed COMMIT at the last part stores nothing, holds nothing, and the same parts then go through', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const parts = partsOf(3, 1_000);
    const before = await h.rows();
    const cleared = await h.db.failCommits('vaults');
    await sendParts(h, alice.conn, parts, 1, 0, 2);
    await expect(sendParts(h, alice.conn, parts, 1, 2)).rejects.toThrow(COMMIT_FAILED);
    await cleared();
    expect(await h.rows()).toEqual(before);
    expect(h.services.vaultParts.held).toBe(0);
    expect(phone.conn.framesOf('vault')).toEqual([]);
    // The client starts again from the first part, as after any refusal: the whole vault is stored once.
    expect(await sendParts(h, alice.conn, parts, 1)).toEqual([{ version: 1, partsHeld: 1 }, { version: 1, partsHeld: 2 }, { version: 1 }]);
    expect(await h.handle(vault, { type: 'vault' }, phone.conn)).toEqual({ vault: parts.join(''), version: 1 });
  });

  test('a disconnect or logout midway drops the parts: the last part alone stores nothing', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const parts = partsOf(3, 1_000);
    await sendParts(h, alice.conn, parts, 1, 0, 2);
    alice.conn.close(1006, 'gone');
    expect(h.services.vaultParts.holds(alice.conn)).toBe(false);
    const again = await h.anotherDevice(alice);
    await h.refuses('VAULT_PART_OUT_OF_ORDER', () => sendParts(h, again.conn, parts, 1, 2));

    await sendParts(h, again.conn, parts, 1, 0, 2);
    again.conn.unauthenticate();
    again.conn.authenticate(again.session);
    await h.refuses('VAULT_PART_OUT_OF_ORDER', () => sendParts(h, again.conn, parts, 1, 2));
    expect(await h.handle(vault, { type: 'vault' }, again.conn)).toEqual({ vault: null, version: 0 });
  });

  test('another device wrote while the parts came: the last part is VAULT_CONFLICT, and the other write stays', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const phone = await h.anotherDevice(alice);
    const parts = partsOf(3, 1_000);
    await sendParts(h, alice.conn, parts, 1, 0, 2);
    await h.handle(putVault, { type: 'putVault', vault: 'vt1.phone', version: 1 }, phone.conn);
    await h.refuses('VAULT_CONFLICT', () => sendParts(h, alice.conn, parts, 1, 2));
    expect(await h.handle(vault, { type: 'vault' }, alice.conn)).toEqual({ vault: 'vt1.phone', version: 1 });
    // Read, merged, written again as the next version: it goes through.
    await sendParts(h, alice.conn, parts, 2);
    expect(await h.handle(vault, { type: 'vault' }, phone.conn)).toEqual({ vault: parts.join(''), version: 2 });
  });

  test('a part needs keys as a whole vault does: NO_KEYS at the last part, nothing stored', async () => {
    const h = harness();
    const old = await h.account('old', { keys: false, password: 'long enough password' });
    await sendParts(h, old.conn, partsOf(2, 1_000), 1, 0, 1);
    await h.refuses('NO_KEYS', () => sendParts(h, old.conn, partsOf(2, 1_000), 1, 1));
  });
});
