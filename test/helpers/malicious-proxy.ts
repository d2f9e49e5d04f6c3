// A lying server for tests: a proxy in front of a real Parley server that rewrites, drops, delays, duplicates or injects frames.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { RequestType } from '../../src/shared/protocol.js';

/** A frame as parsed JSON: requests and replies carry `id`, replies `result`, events their own fields. */
export type Frame = { type: string; id?: number | null; result?: unknown; [field: string]: unknown };

/** What a hook answers: the frame (changed or not), several frames (duplicate, inject before or after), or null (drop). */
type HookResult = Frame | Frame[] | null;
export type Hook = (frame: Frame, link: Link) => HookResult | Promise<HookResult>;

/** One client's connection through the proxy, with its own upstream connection to the real server. */
export interface Link {
  readonly id: number;
  /** Set once the proxy saw this connection log in (register, login, resume, or a cookie named in hello). */
  readonly username: string | null;
  /** The request a reply (`ok` or `error`) answers, as the client sent it. */
  requestOf(reply: Frame): Frame | undefined;
  /** Sends a frame to this client as if the server had (hooks are not run on it). */
  toClient(frame: Frame): void;
  /** Sends a frame to the real server as if the client had (its reply goes to the client). */
  toServer(frame: Frame): void;
}

/** One frame that passed the proxy, as it arrived (before hooks). */
export interface Seen {
  direction: 'toClient' | 'toServer';
  link: Link;
  frame: Frame;
}

export interface MaliciousProxy {
  /** ws://127.0.0.1:PORT/ws */
  url: string;
  /** http://127.0.0.1:PORT: the web client and /api routes, passed through. */
  httpUrl: string;
  port: number;
  /** Every JSON frame seen, in order, as it arrived. */
  readonly seen: readonly Seen[];
  readonly links: readonly Link[];
  /** Adds a hook on frames from the server to clients; hooks run in the order added. Returns its removal. */
  toClient(hook: Hook): () => void;
  /** Adds a hook on frames from clients to the server. Returns its removal. */
  toServer(hook: Hook): () => void;
  /** Rewrites the result of every successful `type` request (answer undefined to leave one as it is). */
  onResult(type: RequestType, rewrite: (result: Record<string, unknown>, request: Frame, link: Link) => unknown): () => void;
  /** Pushes a forged frame to every connection logged in as `username`; resolves how many got it. */
  inject(username: string, frame: Frame): number;
  close(): Promise<void>;
}

const LOGINS = new Set(['register', 'login', 'resume']);

/** Close codes a peer may send again (1005 and 1006 only describe what happened). */
const sendableCode = (code: number) => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

const parse = (data: string): Frame | undefined => {
  try {
    const frame = JSON.parse(data) as unknown;
    return typeof frame === 'object' && frame !== null && typeof (frame as Frame).type === 'string' ? (frame as Frame) : undefined;
  } catch {
    return undefined;
  }
};

/** Starts a proxy on port 0 in front of `target` (a test server's `url` and `httpUrl`). */
export async function startMaliciousProxy(target: { url: string; httpUrl: string }): Promise<MaliciousProxy> {
  const upstreamHttp = new URL(target.httpUrl);
  const upstreamWs = new URL(target.url);
  const hooks = { toClient: [] as Hook[], toServer: [] as Hook[] };
  const seen: Seen[] = [];
  const links: LinkImpl[] = [];
  let nextId = 1;

  class LinkImpl implements Link {
    readonly id = nextId++;
    username: string | null = null;
    readonly #requests = new Map<number, Frame>();
    // Frames of one direction pass in order even when a hook takes its time (a delay).
    #chains = { toClient: Promise.resolve(), toServer: Promise.resolve() };

    constructor(
      readonly client: WebSocket,
      readonly upstream: WebSocket,
    ) {}

    requestOf(reply: Frame): Frame | undefined {
      return typeof reply.id === 'number' ? this.#requests.get(reply.id) : undefined;
    }

    toClient(frame: Frame): void {
      this.#learn(frame);
      if (this.client.readyState === WebSocket.OPEN) this.client.send(JSON.stringify(frame));
    }

    toServer(frame: Frame): void {
      if (typeof frame.id === 'number') this.#requests.set(frame.id, frame);
      if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(JSON.stringify(frame));
    }

    pass(direction: 'toClient' | 'toServer', data: WebSocket.RawData, isBinary: boolean): void {
      const text = data.toString();
      const frame = isBinary ? undefined : parse(text);
      const socket = direction === 'toClient' ? this.client : this.upstream;
      if (!frame) {
        // Not JSON: nothing to rewrite, passed as it came.
        this.#chains[direction] = this.#chains[direction].then(() => {
          if (socket.readyState === WebSocket.OPEN) socket.send(data, { binary: isBinary });
        });
        return;
      }
      seen.push({ direction, link: this, frame: structuredClone(frame) });
      this.#chains[direction] = this.#chains[direction].then(async () => {
        let frames: Frame[] = [frame];
        for (const hook of [...hooks[direction]]) {
          const next: Frame[] = [];
          for (const f of frames) {
            const out = await hook(f, this);
            if (out) next.push(...(Array.isArray(out) ? out : [out]));
          }
          frames = next;
        }
        for (const f of frames) {
          if (direction === 'toClient') this.toClient(f);
          else this.toServer(f);
        }
      });
    }

    /** Who this connection is, from the replies the client is about to believe. */
    #learn(frame: Frame): void {
      if (frame.type !== 'ok') return;
      const request = this.requestOf(frame);
      const result = frame.result as { username?: unknown; session?: { username?: unknown } | null } | undefined;
      if (request && LOGINS.has(request.type) && typeof result?.username === 'string') this.username = result.username;
      if (request?.type === 'hello' && typeof result?.session?.username === 'string') this.username = result.session.username;
      if (request?.type === 'logout' || request?.type === 'logoutEverywhere') this.username = null;
    }
  }

  // Plain HTTP (the web client's files, /api, /healthz) goes to the real server as it came, Host included.
  const server = http.createServer((req, res) => {
    const forward = http.request(
      { host: upstreamHttp.hostname, port: upstreamHttp.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    // The upstream connection first: a refusal there (403 for a foreign Origin, 429) is the client's answer too.
    // Host, Origin and the session cookie go through, so the server decides exactly as if the client were direct.
    const headers: Record<string, string> = {};
    for (const name of ['host', 'origin', 'cookie', 'user-agent', 'x-forwarded-for']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const upstream = new WebSocket(new URL(req.url ?? '/ws', upstreamWs).toString(), { headers, perMessageDeflate: false });
    upstream.once('unexpected-response', (_request, response) => {
      socket.end(`HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      upstream.terminate();
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        const link = new LinkImpl(client, upstream);
        links.push(link);
        upstream.on('message', (data, isBinary) => link.pass('toClient', data, isBinary));
        client.on('message', (data, isBinary) => link.pass('toServer', data, isBinary));
        upstream.on('close', (code) => client.close(sendableCode(code) ? code : 1000));
        client.on('close', (code) => upstream.close(sendableCode(code) ? code : 1000));
        client.on('error', () => upstream.terminate());
        upstream.on('error', () => client.terminate());
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const addHook = (direction: 'toClient' | 'toServer', hook: Hook) => {
    hooks[direction].push(hook);
    return () => {
      hooks[direction] = hooks[direction].filter((h) => h !== hook);
    };
  };

  return {
    url: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    seen,
    links,
    toClient: (hook) => addHook('toClient', hook),
    toServer: (hook) => addHook('toServer', hook),
    onResult: (type, rewrite) =>
      addHook('toClient', (frame, link) => {
        const request = link.requestOf(frame);
        if (frame.type !== 'ok' || request?.type !== type) return frame;
        const result = rewrite(frame.result as Record<string, unknown>, request, link);
        return result === undefined ? frame : { ...frame, result };
      }),
    inject(username, frame) {
      const targets = links.filter((l) => l.username === username && l.client.readyState === WebSocket.OPEN);
      for (const link of targets) link.toClient(frame);
      return targets.length;
    },
    close: async () => {
      for (const link of links) {
        link.client.terminate();
        link.upstream.terminate();
      }
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
