// resetKeys: replace the caller's identity keys with a new key version; old versions stay published and their sealed keys kept.
import { keyBundleVersion, parsePublicIdentity } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import { MAX_KEY_VERSIONS } from '../../shared/protocol.js';
import { type Handler, sessionOf } from '../context.js';
import { checkCurrentPassword } from './change-password.js';
import { endSessions } from '../session-lifecycle.js';

export const resetKeys: Handler<'resetKeys'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub, now } = ctx.services;
    const current = await store.currentKeyVersion(session.userId);
    if (current === undefined) throw new ParleyError('NO_KEYS', 'This account was made before end-to-end encryption and has no keys to reset.');
    const parsed = parsePublicIdentity(request.publicIdentity, session.username);
    if (!parsed.ok) throw new ParleyError('INVALID_KEYS', 'The new public identity is malformed or not signed for this username.');
    const keyVersion = parsed.identity.keyVersion;
    if (keyVersion !== current + 1) throw new ParleyError('INVALID_KEYS', `The new keys must have key version ${current + 1}.`);
    if (keyVersion > MAX_KEY_VERSIONS) throw new ParleyError('INVALID_KEYS', `An account can have at most ${MAX_KEY_VERSIONS} key versions.`);
    if (keyBundleVersion(request.keyBundle) !== keyVersion) {
      throw new ParleyError('INVALID_KEYS', `The key bundle is malformed or not sealed for key version ${keyVersion}.`);
    }
    // As for changePassword: a stolen session must not become a way to guess the password.
    if (!(await checkCurrentPassword(ctx, session, request.password))) throw new ParleyError('AUTH_FAILED', 'The password is wrong.');
    // The new identity, the kept old bundle and the end of the other sessions commit together or not at all.
    const reset = { userId: session.userId, keepSessionId: session.sessionId, keyVersion, publicIdentity: request.publicIdentity, keyBundle: request.keyBundle, now: now() };
    const endedSessions = await store.resetKeys(reset);
    if (endedSessions === 'stale-keys') throw new ParleyError('INVALID_KEYS', 'Your keys were reset meanwhile from another device; sign in again.');
    ctx.conn.log.info({ keyVersion, endedSessions }, 'identity keys reset');
    // The other sessions hold the old keys only: they must sign in again to get the new ones.
    endSessions(ctx, session, (id) => id !== session.sessionId, 'Your keys were reset; sign in again.');
    const contacts = await store.contactIds(session.userId);
    ctx.afterReply(() => {
      const frame = JSON.stringify({ type: 'keys', username: session.username, publicIdentity: request.publicIdentity });
      for (const id of contacts) hub.sendToUser(id, frame);
    });
    return { keyVersion, endedSessions };
  },
};
