// Who is on the other end of a request: the socket's address, or X-Forwarded-For when the operator trusts a proxy.
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix so 127.0.0.1 is one address whether it came over IPv4 or IPv6. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/**
 * With `trustProxy`, the last address in X-Forwarded-For: the one your own proxy appended, which a client
 * cannot forge (it can only prepend). Without it the header is ignored, since anyone can send it.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const header = req.headers['x-forwarded-for'];
    const value = Array.isArray(header) ? header.join(',') : header;
    const last = value?.split(',').at(-1)?.trim();
    if (last && net.isIP(last)) return normalize(last);
  }
  const address = req.socket.remoteAddress;
  return address ? normalize(address) : null;
}

/**
 * The key limits count by: an IPv4 address, or the /64 network of an IPv6 address, since one subscriber
 * usually holds a whole /64 and could otherwise take a fresh address for every attempt.
 */
export function addressKey(address: string | null): string {
  if (!address) return 'unknown';
  if (!net.isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
