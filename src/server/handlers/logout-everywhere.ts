// logoutEverywhere: end every session of the user; other devices are disconnected with 4001, this one is logged out.
import { type Handler, sessionOf } from '../context.js';
import { endSessions } from '../session-lifecycle.js';

export const logoutEverywhere: Handler<'logoutEverywhere'> = {
  needsSession: true,
  async handle(_request, ctx) {
    const session = sessionOf(ctx);
    const endedSessions = await ctx.services.store.deleteUserSessions(session.userId);
    ctx.conn.log.info({ endedSessions }, 'signed out everywhere');
    endSessions(ctx, session, () => true, 'You signed out everywhere.');
    return { endedSessions };
  },
};
