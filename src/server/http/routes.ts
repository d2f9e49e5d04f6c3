// Plain HTTP on the WebSocket's port: health check and the landing page (the web client replaces it).
import type { IncomingMessage, ServerResponse } from 'node:http';

interface HttpContext {
  isReady(): boolean;
  /** Why the server cannot take connections though it runs (the open-file limit), or null. */
  pressure(): string | null;
  /** Why the database does not answer (checked on each request, with a short timeout), or null; absent for a local file. */
  database?(): Promise<string | null>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function coreRoutes(ctx: HttpContext): HttpHandler {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      const problem = ctx.isReady() ? ctx.pressure() : 'starting';
      const answer = (why: string | null) => {
        res.writeHead(why === null ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`${why ?? 'ok'}\n`);
      };
      if (problem !== null || !ctx.database) answer(problem);
      else void ctx.database().then(answer, (error: unknown) => answer(`database check failed (${(error as Error).message})`));
      return true;
    }
    return false;
  };
}

/** The reply on a connection accepted past the open-file reserve: one sentence, then the socket closes. */
export function overLimit(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '10', connection: 'close' });
  res.end('The server has too many connections open right now; try again shortly.\n');
}

export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}
