// Serves the built web client from dist/web: hashed assets cached for good, the page itself revalidated.
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { HttpHandler } from './routes.js';
import { commonHeaders, pageHeaders } from './headers.js';

/** dist/web at the package root; three levels up holds for both src/server/http and dist/server/http. */
const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Vite puts a content hash in every file under /assets/, so a changed file always has a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
const SHORT = 'public, max-age=3600';

/** Text worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.webmanifest', '.txt']);

interface FileInfo {
  file: string;
  size: number;
  etag: string;
}

export function staticFiles(options: { root?: string } = {}): HttpHandler {
  const root = path.resolve(options.root ?? DEFAULT_WEB_DIR);
  // The client is a handful of files that change only with a rebuild: gzip each once, keyed by its ETag.
  const gzipped = new Map<string, { etag: string; data: Buffer }>();
  const gzipOf = (found: FileInfo): Buffer => {
    const cached = gzipped.get(found.file);
    if (cached?.etag === found.etag) return cached.data;
    const data = zlib.gzipSync(fs.readFileSync(found.file), { level: 9 });
    gzipped.set(found.file, { etag: found.etag, data });
    return data;
  };
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname.startsWith('/api/') || pathname === '/ws') return false;
    const isPage = pathname === '/' || pathname === '/index.html';
    const found = locate(root, isPage ? '/index.html' : pathname);
    if (!found) {
      if (!isPage) return false;
      notBuilt(req, res);
      return true;
    }
    // The service worker is checked on every load, so a new version of the app replaces the kept shell.
    const cache = isPage || pathname === '/sw.js' ? REVALIDATE : pathname.startsWith('/assets/') ? IMMUTABLE : SHORT;
    const ext = path.extname(found.file).toLowerCase();
    const compressible = COMPRESSIBLE.has(ext) && found.size > 1024;
    const headers: Record<string, string> = {
      ...(isPage ? pageHeaders(req) : commonHeaders(req)),
      'content-type': TYPES[ext] ?? 'application/octet-stream',
      'cache-control': cache,
      etag: found.etag,
      ...(compressible ? { vary: 'accept-encoding' } : {}),
    };
    if (req.headers['if-none-match'] === found.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    if (compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      const data = gzipOf(found);
      res.writeHead(200, { ...headers, 'content-encoding': 'gzip', 'content-length': String(data.length) });
      res.end(req.method === 'HEAD' ? undefined : data);
      return true;
    }
    res.writeHead(200, { ...headers, 'content-length': String(found.size) });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = fs.createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };
}

/** Maps a URL path to a regular file inside `root`, or null; no path can climb out of it. */
function locate(root: string, pathname: string): FileInfo | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  // Source maps and dotfiles are for developers, not for every visitor.
  if (file.endsWith('.map') || path.basename(file).startsWith('.')) return null;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return null;
    return { file, size: stat.size, etag: `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"` };
  } catch {
    return null;
  }
}

function notBuilt(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(503, { ...pageHeaders(req), 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end('The Parley web client is not built. Run `npm run build` (npm install does it), then reload.\n');
}
