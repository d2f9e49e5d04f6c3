// vault and putVault: the user's sealed record of verified contacts, written one version after the other.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { putVault, vault } from './vault.js';

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
});
