// Sessions from the handlers' side: starting one (a fresh token, stored only as its hash), finding one by
// its token, and ending some from a request (their live connections close with 4001).
import { CLOSE_CODES, type SessionInfo } from '../shared/protocol.js';
import type { HandlerContext, Services, Session } from './context.js';
import { hashSessionToken, newSessionToken } from './passwords.js';
import type { NewAccount, SessionRow, UserRow } from './store/store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The moment before which an unused session has ended, or null when sessions last until logout. */
export function idleCutoff(services: Services): number | null {
  const days = services.config.sessionIdleDays;
  return days > 0 ? services.now() - days * DAY_MS : null;
}

/**
 * The session a token names, or undefined when it is unknown, revoked, or was not used for longer than
 * --session-idle-days (that one is deleted on the spot, before the hourly sweep would).
 */
export async function sessionByToken(services: Services, token: string): Promise<SessionRow | undefined> {
  const session = await services.store.findSessionByTokenHash(hashSessionToken(token));
  if (!session) return undefined;
  const cutoff = idleCutoff(services);
  if (cutoff !== null && session.lastSeenAt < cutoff) {
    await services.store.deleteSession(session.id);
    return undefined;
  }
  return session;
}

export async function startSession(ctx: HandlerContext, user: UserRow, device: string | undefined): Promise<SessionInfo> {
  const { token, session } = newSession(ctx, device);
  const row = await ctx.services.store.createSession({ ...session, userId: user.id, now: ctx.services.now() });
  return signIn(ctx, user, row.id, token);
}

/** A fresh token and the session it opens, not stored yet: register stores it with the account. */
export function newSession(ctx: HandlerContext, device: string | undefined): { token: string; session: NewAccount['session'] } {
  const { token, hash } = newSessionToken();
  return { token, session: { tokenHash: hash, device: device ?? null, address: ctx.conn.address } };
}

/** Logs the connection in with a session that is stored (committed) already. */
export function signIn(ctx: HandlerContext, user: UserRow, sessionId: number, token: string): SessionInfo {
  ctx.conn.authenticate({ userId: user.id, username: user.username, sessionId });
  return { token, username: user.username, sessionId };
}

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
