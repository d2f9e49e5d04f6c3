// Which pages may talk to this server from a browser: its own origin plus a configured allow-list.
import type { IncomingMessage } from 'node:http';

/** Normalises an origin string ("https://Chat.Example.org:443" → "https://chat.example.org"), or null if malformed. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.origin;
  } catch {
    return null;
  }
}

/**
 * True when the request may proceed. Browsers send `Origin` on every WebSocket upgrade and every POST
 * from a script, so its absence means a non-browser client (the terminal client), which cookies and
 * cross-site pages cannot impersonate. A present Origin must name this server's host (the `Host` the
 * browser connected to, any scheme, so a TLS-terminating proxy works) or be on the allow-list.
 */
export function originAllowed(req: IncomingMessage, allowList: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  if (normalized === null) return false;
  const host = req.headers.host;
  if (host !== undefined) {
    const scheme = new URL(normalized).protocol;
    const own = normalizeOrigin(`${scheme}//${host}`);
    if (own !== null && own === normalized) return true;
  }
  return allowList.some((allowed) => normalizeOrigin(allowed) === normalized);
}
