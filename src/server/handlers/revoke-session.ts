// revokeSession: sign one of your devices out; its connections close with 4001 and its token stops working.
import { ParleyError } from '../../shared/errors.js';
import { type Handler, sessionOf } from '../context.js';
import { endSessions } from '../session-lifecycle.js';

export const revokeSession: Handler<'revokeSession'> = {
  needsSession: true,
  async handle(request, ctx) {
    const session = sessionOf(ctx);
    // Only the user's own sessions: another user's session id is "not found", not "forbidden".
    if (!(await ctx.services.store.deleteUserSession(session.userId, request.sessionId))) {
      throw new ParleyError('SESSION_NOT_FOUND', 'You have no session with that id; it may have ended already.');
    }
    ctx.conn.log.info({ revoked: request.sessionId }, 'session revoked');
    endSessions(ctx, session, (id) => id === request.sessionId, 'This device was signed out from another one.');
    return {};
  },
};
