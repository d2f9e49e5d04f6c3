// logout: end this device's session for good; the connection stays open, logged out.
import { type Handler, sessionOf } from '../context.js';

export const logout: Handler<'logout'> = {
  needsSession: true,
  async handle(_request, ctx) {
    const session = sessionOf(ctx);
    await ctx.services.store.deleteSession(session.sessionId);
    ctx.conn.unauthenticate();
    return {};
  },
};
