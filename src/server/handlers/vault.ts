// vault and putVault: the user's own sealed record of accepted and verified contact keys, shared by their devices.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';

export const vault: Handler<'vault'> = {
  needsSession: true,
  async handle(_request, ctx) {
    return ctx.services.store.vault(sessionOf(ctx).userId);
  },
};

export const putVault: Handler<'putVault'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    const { store, hub } = ctx.services;
    // Decided before the first await: parts sent at once are taken in arrival order, each against the limits.
    const whole = ctx.services.vaultParts.take(ctx.conn, request);
    if (whole === null) return { version: request.version, partsHeld: request.part!.index + 1 };
    if ((await store.currentKeyVersion(session.userId)) === undefined) throw new ParleyError('NO_KEYS');
    if (!(await store.putVault(session.userId, whole, request.version))) {
      throw new ParleyError('VAULT_CONFLICT');
    }
    // The user's other devices read and merge it; this one already has it.
    ctx.afterReply(() => hub.sendToUser(session.userId, JSON.stringify({ type: 'vault', version: request.version }), ctx.conn.client ?? undefined));
    return { version: request.version };
  },
};
