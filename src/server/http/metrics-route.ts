// GET /metrics: the Prometheus text format, by default only for scrapers on this machine.
import net from 'node:net';
import type { Metrics } from '../metrics.js';
import { clientAddress } from './address.js';
import type { HttpHandler } from './routes.js';

/** `local`: only loopback clients (a Prometheus on this host); `any`: everyone; `off`: 404. */
export type MetricsAccess = 'local' | 'any' | 'off';

const isLoopback = (address: string | null) =>
  address !== null && (address === '::1' || (net.isIPv4(address) && address.startsWith('127.')));

export function metricsRoute(metrics: Metrics, access: MetricsAccess, trustProxy: boolean): HttpHandler {
  return (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/metrics' || access === 'off') return false;
    // Through a trusted proxy the address is the real client's, so a proxied request is not "local".
    if (access === 'local' && !isLoopback(clientAddress(req, trustProxy))) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Metrics are served to this machine only (--metrics any to change).\n');
      return true;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Metrics could not be collected.\n');
      },
    );
    return true;
  };
}
