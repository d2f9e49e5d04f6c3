// Which names this server answers to: the guard against DNS rebinding, where a hostile page makes its own name resolve here.
import net from 'node:net';
import os from 'node:os';
import type { ServerResponse } from 'node:http';
import type { ServerConfig } from '../config.js';

/** A Host header: a name or IPv4 address, or an IPv6 address in brackets, each with an optional port. */
const HOST_HEADER = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::\d{1,5})?$/i;

/** The name part of a Host header, lower-case and without a trailing dot or brackets; null when malformed. */
function hostName(header: string): string | null {
  const match = HOST_HEADER.exec(header.trim());
  if (!match) return null;
  return (match[1] ?? match[2] ?? '').toLowerCase().replace(/\.$/, '');
}

/** The names of --public-url, --allowed-origin and a named --host, plus localhost and this machine's own name. */
function knownNames(config: Pick<ServerConfig, 'host' | 'publicUrl' | 'allowedOrigins'>): Set<string> {
  const machine = os.hostname().toLowerCase();
  const names = new Set(['localhost', machine, `${machine}.local`]);
  if (net.isIP(config.host) === 0) names.add(config.host.toLowerCase());
  for (const origin of [config.publicUrl, ...config.allowedOrigins]) {
    if (origin) names.add(new URL(origin).hostname.toLowerCase());
  }
  return names;
}

/**
 * Returns the check for a request's Host header. A page whose name was rebound to this server sends
 * that name, so only known names pass. Any IP address passes: a browser sends one only for a page on
 * that address itself, which is this server's own origin (and the banner's LAN addresses, NAT and
 * container port mappings all keep working). The port is not compared: a proxy may listen on another
 * one, and a rebound name is caught by its name. A request without Host comes from no browser.
 */
export function hostAllowList(config: Pick<ServerConfig, 'host' | 'publicUrl' | 'allowedOrigins'>): (header: string | undefined) => boolean {
  const names = knownNames(config);
  return (header) => {
    if (header === undefined) return true;
    const name = hostName(header);
    if (name === null) return false;
    return net.isIP(name) !== 0 || names.has(name);
  };
}

const MISDIRECTED_TEXT =
  'This server does not answer to the name this request was sent to. If it has a DNS name or sits behind a reverse proxy, start it with --public-url.\n';

/** The reply to a request for a name the server does not answer to: a sentence, no app content. */
export function misdirected(res: ServerResponse): void {
  res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'close' });
  res.end(MISDIRECTED_TEXT);
}
