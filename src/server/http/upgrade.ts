// Decides a WebSocket upgrade before it happens: the Origin must be allowed, and a session cookie logs it in.
import type { IncomingMessage } from 'node:http';
import type { Services, Session } from '../context.js';
import { sessionForToken } from './account-api.js';
import { clientAddress } from './address.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { originAllowed } from './origin.js';

type UpgradeVerdict = { ok: true; session: Session | null } | { ok: false; status: 403; reason: string };

/**
 * Cross-site pages get 403 before any WebSocket exists (a browser would otherwise attach our cookie
 * to their connection). A valid cookie authenticates the connection during the upgrade, so the hello
 * reply already names the session; an unknown or revoked one simply leaves the connection logged out.
 */
export async function authorizeUpgrade(req: IncomingMessage, services: Services): Promise<UpgradeVerdict> {
  if (!originAllowed(req, services.config.allowedOrigins)) {
    return { ok: false, status: 403, reason: 'origin not allowed' };
  }
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  if (!token) return { ok: true, session: null };
  const session = await sessionForToken(token, services);
  if (session) await services.store.touchSession(session.sessionId, services.now(), clientAddress(req, services.config.trustProxy));
  return { ok: true, session };
}
