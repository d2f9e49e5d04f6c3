// vault and putVault: the user's own sealed record of accepted and verified contact keys, shared by their devices.
import { ParleyError } from '../../shared/errors.js';
import { LIMITS, type RequestOf } from '../../shared/protocol.js';
import { type ConnectionView, type Handler, sessionOf } from '../context.js';

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
    const whole = gather(ctx.conn, request);
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

/**
 * The whole vault once its last part is in (or at once, for a vault in one frame); null while parts are held.
 * Any refusal drops what was held, so a client that went wrong starts again from the first part.
 */
function gather(conn: ConnectionView, request: RequestOf<'putVault'>): string | null {
  const { part, version, vault: text } = request;
  if (!part) {
    // A whole vault replaces any unfinished one: that version is gone.
    conn.pendingVault = null;
    return text;
  }
  if (part.count > LIMITS.vaultMaxParts) {
    conn.pendingVault = null;
    throw new ParleyError('VAULT_TOO_LARGE', `A vault is written in at most ${LIMITS.vaultMaxParts} parts; nothing was stored.`);
  }
  // The first part starts over, dropping the parts of any earlier version.
  const pending = part.index === 0 ? { version, count: part.count, parts: [], length: 0 } : conn.pendingVault;
  if (!pending || pending.version !== version || pending.count !== part.count || pending.parts.length !== part.index) {
    conn.pendingVault = null;
    throw new ParleyError('VAULT_PART_OUT_OF_ORDER');
  }
  if (pending.length + text.length > LIMITS.vaultMaxLength) {
    conn.pendingVault = null;
    throw new ParleyError('VAULT_TOO_LARGE', `A vault is at most ${LIMITS.vaultMaxLength.toLocaleString('en-US')} characters; nothing was stored.`);
  }
  pending.parts.push(text);
  pending.length += text.length;
  if (part.index < part.count - 1) {
    conn.pendingVault = pending;
    return null;
  }
  conn.pendingVault = null;
  return pending.parts.join('');
}
