// resume: reattach a connection to an existing session with its token (reconnects, client restarts).
import { ParleyError } from '../../shared/errors.js';
import type { Handler } from '../context.js';
import { sessionByToken } from '../session-lifecycle.js';

export const resume: Handler<'resume'> = {
  needsSession: false,
  guestOnly: true,
  async handle(request, { conn, services }) {
    const session = await sessionByToken(services, request.token);
    if (!session) throw new ParleyError('SESSION_INVALID', 'Your session has ended (logged out, revoked, or unused for too long). Log in again.');
    // Best effort: a full disk must not keep a reconnecting client from reading (it only ages the session sooner).
    await services.store.touchSession(session.id, services.now(), conn.address).catch((error: unknown) => {
      conn.log.warn({ err: { message: (error as Error).message }, sessionId: session.id }, 'could not record when the session was last used');
    });
    conn.authenticate({ userId: session.userId, username: session.username, sessionId: session.id });
    return { username: session.username, sessionId: session.id };
  },
};
