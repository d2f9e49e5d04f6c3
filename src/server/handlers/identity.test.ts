// identity: every public identity a user has had, oldest key version first, for verifying and sealing to them.
import { expect, test } from 'vitest';
import { describeStores, newKeys } from '../../../test/helpers/handler-harness.js';
import { identity } from './identity.js';

await describeStores((harness) => {
  test('lists the user’s identities, the earlier ones kept after a reset', async () => {
    const h = harness();
    const alice = await h.account('alice');
    const bob = await h.account('bob');
    const first = (await h.store.userKeys(bob.id))!.publicIdentity;
    expect(await h.handle(identity, { type: 'identity', username: 'bob' }, alice.conn)).toEqual({ username: 'bob', identities: [first] });

    const { keys } = newKeys('bob', 2);
    await h.store.resetKeys({ userId: bob.id, keepSessionId: bob.session.sessionId, keyVersion: 2, publicIdentity: keys.publicIdentity, keyBundle: keys.keyBundle, now: h.clock.now });
    expect(await h.handle(identity, { type: 'identity', username: 'bob' }, alice.conn)).toEqual({ username: 'bob', identities: [first, keys.publicIdentity] });
  });

  test('an account without keys has none; an unknown name is USER_NOT_FOUND', async () => {
    const h = harness();
    const alice = await h.account('alice');
    await h.account('old', { keys: false, password: 'long enough password' });
    expect(await h.handle(identity, { type: 'identity', username: 'old' }, alice.conn)).toEqual({ username: 'old', identities: [] });
    await h.refuses('USER_NOT_FOUND', () => h.handle(identity, { type: 'identity', username: 'nobody' }, alice.conn));
  });
});
