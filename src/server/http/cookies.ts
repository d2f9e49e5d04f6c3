// The browser session cookie: HttpOnly so page scripts never see the token, SameSite=Strict against CSRF.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export const SESSION_COOKIE = 'parley_session';
/** How long a browser stays signed in (each sign-in sets a fresh cookie); signing out ends it at once. */
const SESSION_COOKIE_MAX_AGE_S = 180 * 24 * 60 * 60;

/** Reads one cookie by name; malformed pairs are skipped, never thrown on. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether the browser reached us over TLS; the cookie is then Secure and never travels in clear text. */
export function isSecure(req: IncomingMessage, trustProxy = false): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  // Behind a TLS-terminating proxy the socket is plain; the proxy says what the browser used.
  return trustProxy && req.headers['x-forwarded-proto'] === 'https';
}

export function sessionCookie(token: string, secure: boolean): string {
  return serialize(encodeURIComponent(token), SESSION_COOKIE_MAX_AGE_S, secure);
}

export function clearedSessionCookie(secure: boolean): string {
  return serialize('', 0, secure);
}

function serialize(value: string, maxAge: number, secure: boolean): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', `Max-Age=${maxAge}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) parts.push('Secure');
  return parts.join('; ');
}
