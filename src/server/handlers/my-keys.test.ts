// myKeys: the caller's own sealed keys and salt, to unlock them again after a resume.
import { expect, test } from 'vitest';
import { describeStores } from '../../../test/helpers/handler-harness.js';
import { myKeys } from './my-keys.js';

await describeStores((harness) => {
  test('hands back what the account stored: salt, descriptor, bundle, identity, and no older bundles yet', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const stored = await h.store.userKeys(alice.id);
    expect(await h.handle(myKeys, { type: 'myKeys' }, alice.conn)).toEqual({ ...stored, oldKeyBundles: [] });
    expect(stored?.keyBundle).toMatch(/^kb1\./);
  });

  test('an account made before end-to-end encryption is NO_KEYS', async () => {
    const h = harness();
    const old = await h.account('old', { keys: false, password: 'long enough password' });
    await h.refuses('NO_KEYS', () => h.handle(myKeys, { type: 'myKeys' }, old.conn));
  });
});
