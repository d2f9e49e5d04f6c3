// Starting a session, shared by register and login: a fresh token, stored only as its hash.
import type { SessionInfo } from '../../shared/protocol.js';
import type { HandlerContext } from '../context.js';
import { newSessionToken } from '../passwords.js';
import type { UserRow } from '../store/store.js';

export async function startSession(ctx: HandlerContext, user: UserRow, device: string | undefined): Promise<SessionInfo> {
  const { token, hash } = newSessionToken();
  const session = await ctx.services.store.createSession({
    userId: user.id,
    tokenHash: hash,
    device: device ?? null,
    address: ctx.conn.address,
    now: ctx.services.now(),
  });
  ctx.conn.authenticate({ userId: user.id, username: user.username, sessionId: session.id });
  return { token, username: user.username, sessionId: session.id };
}
