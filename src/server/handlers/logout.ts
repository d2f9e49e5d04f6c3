// logout: end this device's session for good; the connection stays open, logged out, and the session's other sockets close with 4001.
import { type Handler, sessionOf } from '../context.js';
import { endSessions } from '../session-lifecycle.js';

export const logout: Handler<'logout'> = {
  needsSession: true,
  async handle(_request, ctx) {
    const session = sessionOf(ctx);
    await ctx.services.store.deleteSession(session.sessionId);
    // Browser tabs share one session (its cookie): each has a socket, and none may stay signed in.
    endSessions(ctx, session, (sessionId) => sessionId === session.sessionId, 'You signed out.');
    return {};
  },
};
