// Plain HTTP on the WebSocket's port: health check and the landing page (the web client replaces it).
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpContext {
  isReady(): boolean;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function coreRoutes(ctx: HttpContext): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      const ready = ctx.isReady();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(ready ? 'ok\n' : 'starting\n');
      return true;
    }
    return false;
  };
}

export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}
