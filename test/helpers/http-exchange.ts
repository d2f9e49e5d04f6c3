// One HTTP request and its response without a socket, for the unit tests of src/server/http/: a readable body with
// headers, and a response that records its status, headers and bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable, Writable } from 'node:stream';

interface RequestOptions {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  /** Sent in these chunks (one chunk for a string). */
  body?: string | readonly Buffer[];
  /** The peer's address as the socket reports it. */
  remoteAddress?: string;
  /** True for a request that came over TLS. */
  tls?: boolean;
}

export function fakeRequest(options: RequestOptions = {}): IncomingMessage {
  const { body = [] } = options;
  const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  const socket = { remoteAddress: options.remoteAddress ?? '127.0.0.1', ...(options.tls ? { encrypted: true } : {}) };
  return Object.assign(Readable.from(chunks), { method: options.method ?? 'GET', url: options.url ?? '/', headers, socket }) as unknown as IncomingMessage;
}

/** A POST of `body` as JSON, from a non-browser client unless `headers` adds an Origin. */
export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}): IncomingMessage =>
  fakeRequest({ method: 'POST', url, headers: { 'content-type': 'application/json', host: 'localhost:50000', ...headers }, body: JSON.stringify(body) });

/** What a route wrote: status, headers (names lower-cased) and body. */
export class RecordedResponse extends Writable {
  statusCode = 0;
  readonly headers: Record<string, string> = {};
  headersSent = false;
  private readonly chunks: Buffer[] = [];
  /** Resolves once the route ended the response. */
  readonly finished: Promise<void>;

  constructor(readonly req: IncomingMessage) {
    super();
    this.finished = new Promise((resolve) => this.once('finish', () => resolve()));
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = String(value);
    return this;
  }

  writeHead(status: number, headers: Record<string, string | number> = {}): this {
    this.statusCode = status;
    for (const [name, value] of Object.entries(headers)) this.headers[name.toLowerCase()] = String(value);
    this.headersSent = true;
    return this;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(Buffer.from(chunk));
    callback();
  }

  get body(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.body.toString('utf8');
  }

  json(): unknown {
    return JSON.parse(this.text) as unknown;
  }

  asServerResponse(): ServerResponse {
    return this as unknown as ServerResponse;
  }
}

/** Hands the request to a route: null when the route passed on it, else its response once ended. */
export async function serve(route: (req: IncomingMessage, res: ServerResponse) => boolean, req: IncomingMessage): Promise<RecordedResponse | null> {
  const res = new RecordedResponse(req);
  if (!route(req, res.asServerResponse())) return null;
  await res.finished;
  return res;
}
