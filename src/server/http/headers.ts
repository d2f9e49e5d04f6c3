// Security headers for everything the server sends to browsers, and the web client's content security policy.
import type { IncomingMessage } from 'node:http';

/** Header values that are safe to echo: a host name or address with an optional port, nothing else. */
const HOST_PATTERN = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * No inline scripts or styles, nothing from other origins; the WebSocket may go only to this same host.
 * CSP Level 3 browsers already let 'self' cover ws(s): of the same host; the explicit ws:/wss: sources
 * are for older ones (Safari before 15.4).
 */
function contentSecurityPolicy(req: IncomingMessage): string {
  const host = req.headers.host;
  const sockets = host !== undefined && HOST_PATTERN.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    // hash-wasm's argon2id (end-to-end key derivation) compiles WebAssembly; no 'unsafe-eval'.
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sent with every static file and API reply. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Sent with every static file and API reply: the common headers and, over TLS, HSTS (browsers then refuse
 * plain HTTP to this host for a year, so a network attacker cannot strip TLS from a later visit).
 */
export function commonHeaders(req: IncomingMessage): Record<string, string> {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return tls ? { ...COMMON_HEADERS, 'strict-transport-security': 'max-age=31536000' } : { ...COMMON_HEADERS };
}

/** Sent with the HTML page itself. */
export function pageHeaders(req: IncomingMessage): Record<string, string> {
  return {
    ...commonHeaders(req),
    'content-security-policy': contentSecurityPolicy(req),
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  };
}
