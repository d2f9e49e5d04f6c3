// changePassword: check the current password, store a fresh argon2id hash, and end every other session (not on a KDF upgrade).
import { parseKdfDescriptor } from '../../shared/crypto/index.js';
import { ParleyError } from '../../shared/errors.js';
import { requirePasswordRule } from '../../shared/password-rule.js';
import { type Handler, type HandlerContext, type Session, sessionOf } from '../context.js';
import { endSessions } from '../session-lifecycle.js';
import { checkAuthKey } from './register.js';

/**
 * Checks the signed-in user's current password (changePassword, resetKeys): a stolen session must not become a
 * way to guess it, so the check spends the account's and the address's failed-login points like a login does.
 */
export async function checkCurrentPassword(ctx: HandlerContext, session: Session, password: string): Promise<boolean> {
  const { store, passwords, rateLimits } = ctx.services;
  const right = await rateLimits.passwordCheck(
    session.username,
    ctx.conn.address,
    async () => {
      const found = await store.findUserByName(session.username);
      return found && (await passwords.verify(found.passwordHash, password)) ? true : undefined;
    },
    'refund',
  );
  return right === true;
}

export const changePassword: Handler<'changePassword'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, passwords } = ctx.services;
    requirePasswordRule(request.newPassword);
    // End-to-end encryption: the keys re-sealed with the new password travel with it (history stays readable).
    const { salt, kdf, keyBundle } = request;
    const rewrap = salt !== undefined || kdf !== undefined || keyBundle !== undefined;
    if (rewrap && (salt === undefined || keyBundle === undefined || !parseKdfDescriptor(kdf))) {
      throw new ParleyError('INVALID_KEYS', 'salt, kdf and keyBundle go together, with safe parameters.');
    }
    // Without its keys re-sealed under the new password, an account with keys could never open them again.
    const stored = await store.userKeys(session.userId);
    if (stored) {
      if (!rewrap) {
        throw new ParleyError('INVALID_KEYS', 'This account has end-to-end keys: send them sealed with the new password (salt, kdf and keyBundle), or its history would become unreadable.');
      }
      checkAuthKey(request.newPassword, 'newPassword');
    }
    // A KDF upgrade (v1 → v2, same password, after a login) keeps the other sessions: nothing was compromised,
    // and signing the user out everywhere for a change they did not ask for would be a surprise. Only that.
    const upgrade = request.upgrade === true;
    if (upgrade && (stored?.kdf.v !== 1 || parseKdfDescriptor(kdf)?.v !== 2)) {
      throw new ParleyError('INVALID_KEYS', 'An upgrade moves an account with v1 keys to a v2 descriptor; use a password change otherwise.');
    }
    if (!(await checkCurrentPassword(ctx, session, request.password))) throw new ParleyError('AUTH_FAILED', 'The current password is wrong.');
    const hash = await passwords.hash(request.newPassword);
    // The new hash and the re-sealed keys commit together: a crash between them would lock the user out of their history.
    const keys = rewrap && salt !== undefined && kdf !== undefined && keyBundle !== undefined ? { salt, kdf, keyBundle, oldKeyBundles: request.oldKeyBundles } : undefined;
    const endedSessions = await store.changePassword({ userId: session.userId, passwordHash: hash, keepSessionId: upgrade ? 'all' : session.sessionId, keys });
    // Every key version's bundle, or none: one left sealed with the old password would be lost.
    if (endedSessions === 'stale-keys') {
      throw new ParleyError('INVALID_KEYS', 'Send the keys of every key version re-sealed with the new password (keyBundle and oldKeyBundles, oldest first).');
    }
    if (upgrade) {
      ctx.conn.log.info('key derivation upgraded');
      return { endedSessions };
    }
    ctx.conn.log.info({ endedSessions }, 'password changed');
    endSessions(ctx, session, (id) => id !== session.sessionId, 'The password was changed; sign in again.');
    return { endedSessions };
  },
};
