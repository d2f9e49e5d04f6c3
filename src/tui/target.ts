// Turns what the user typed after `parley connect` (HOST [PORT], or a URL) into the WebSocket URL to dial.

const DEFAULT_PORT = 50_000;

export interface Target {
  /** ws://host:port/ws or wss://… */
  url: string;
  /** host:port as a person would say it, for screens and messages. */
  label: string;
  /** A file-name-safe name for this server's profile. */
  slug: string;
}

export class TargetError extends Error {}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) throw new TargetError(`"${text}" is not a port; use a number from 1 to 65535.`);
  return port;
}

export function parseTarget(host: string, port?: string): Target {
  if (/^(wss?|https?):\/\//i.test(host)) {
    if (port !== undefined) throw new TargetError('Give either a URL or a host and a port, not both.');
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new TargetError(`"${host}" is not a valid URL.`);
    }
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    url.protocol = secure ? 'wss:' : 'ws:';
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws';
    const label = url.host;
    return { url: url.toString(), label, slug: slugOf(`${url.protocol.replace(':', '')}_${url.host}${url.pathname}`) };
  }
  if (host.trim() === '' || /[\s/?#@]/.test(host)) throw new TargetError(`"${host}" is not a host name or address.`);
  const portNumber = port === undefined ? DEFAULT_PORT : parsePort(port);
  // A bare IPv6 address needs brackets inside a URL.
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const label = `${bracketed}:${portNumber}`;
  return { url: `ws://${label}/ws`, label, slug: slugOf(label) };
}

const slugOf = (text: string) => text.replace(/[^A-Za-z0-9.-]+/g, '_');
