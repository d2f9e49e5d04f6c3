// Ending sessions from a request: their live connections close with 4001, the asking connection is logged out or kept.
import { CLOSE_CODES } from '../../shared/protocol.js';
import type { HandlerContext, Session } from '../context.js';

/**
 * After the reply, closes the user's other connections whose session `ended` says is gone. When the
 * asking connection's own session ended too, it stays open but logged out, as after `logout`.
 */
export function endSessions(ctx: HandlerContext, session: Session, ended: (sessionId: number) => boolean, reason: string): void {
  if (ended(session.sessionId)) ctx.conn.unauthenticate();
  ctx.afterReply(() => {
    ctx.services.hub.closeSessions(session.userId, ended, CLOSE_CODES.sessionEnded, reason, ctx.conn.client ?? undefined);
  });
}
