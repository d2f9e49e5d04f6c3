// One WebSocket to the server: opens it with a timeout, numbers requests, matches replies, parses every frame.
// (The server's per-client `Connection` is the other end; the client's lasting link across sockets is link.ts.)
import { ParleyError } from '../errors.js';
import { RESULTS, ServerFrame, type RequestBody, type RequestType, type ResultOf, type ServerEvent } from '../protocol.js';

/** What the SDK needs from a WebSocket; both the `ws` package's and the browser's fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

/**
 * A WebSocket class: `WebSocket` from the `ws` package in Node, `globalThis.WebSocket` in a browser.
 * Typed loosely on purpose: the two libraries' handler types differ in detail, the shape we use does not.
 */
export type WebSocketConstructor = new (url: string) => object;

interface ServerSocketHandlers {
  onEvent(event: ServerEvent): void;
  /**
   * Called once, when the socket closes for any reason after it opened: the code, and the server's reason
   * sentence (empty when it gave none).
   */
  onClose(code: number, reason: string): void;
}

const OPEN = 1;

export class ServerSocket {
  readonly #socket: SocketLike;
  readonly #handlers: ServerSocketHandlers;
  readonly #requestTimeoutMs: number;
  readonly #pending = new Map<number, { type: RequestType; resolve: (value: unknown) => void; reject: (error: ParleyError) => void; timer: ReturnType<typeof setTimeout> }>();
  #nextId = 1;
  #closed = false;
  /** Requests this side sends in any one second at most (0: no pacing); below the server's announced rate. */
  #perSecond = 0;
  /** When each request of the last second left, oldest first. */
  readonly #sentAt: number[] = [];
  /** Requests held back by the pacing, in order. */
  readonly #waiting: string[] = [];
  #flushTimer: ReturnType<typeof setTimeout> | null = null;

  private constructor(socket: SocketLike, handlers: ServerSocketHandlers, requestTimeoutMs: number) {
    this.#socket = socket;
    this.#handlers = handlers;
    this.#requestTimeoutMs = requestTimeoutMs;
    socket.onmessage = (event) => this.#receive(event.data);
    socket.onclose = (event) => this.#closedBy(event.code, event.reason);
    socket.onerror = () => undefined; // onclose always follows and does the work
  }

  /** Opens a socket; rejects with DISCONNECTED when it fails or does not open within `timeoutMs`. */
  static open(
    url: string,
    WebSocketImpl: WebSocketConstructor,
    handlers: ServerSocketHandlers,
    options: { timeoutMs: number; requestTimeoutMs: number },
  ): Promise<ServerSocket> {
    return new Promise((resolve, reject) => {
      let socket: SocketLike;
      try {
        socket = new WebSocketImpl(url) as SocketLike;
      } catch (cause) {
        reject(new ParleyError('DISCONNECTED', 'The server address is not valid.', { cause }));
        return;
      }
      // Node's `ws` says why (a refused connection, an untrusted certificate); browsers never do.
      let why: string | undefined;
      const fail = (message: string) => {
        clearTimeout(timer);
        socket.onopen = socket.onclose = socket.onerror = null;
        try {
          socket.close();
        } catch {
          // a socket that never opened may refuse to close; it is abandoned either way
        }
        reject(new ParleyError('DISCONNECTED', message, why === undefined ? undefined : { cause: why }));
      };
      const timer = setTimeout(() => fail('The server did not answer in time.'), options.timeoutMs);
      socket.onerror = (event) => {
        const message = (event as { message?: unknown } | null)?.message;
        if (typeof message === 'string') why = message;
      };
      socket.onclose = () => fail('The server could not be reached.');
      socket.onopen = () => {
        clearTimeout(timer);
        resolve(new ServerSocket(socket, handlers, options.requestTimeoutMs));
      };
    });
  }

  get isOpen(): boolean {
    return !this.#closed && this.#socket.readyState === OPEN;
  }

  /** Sends one request and resolves with its validated result, or rejects with a ParleyError. */
  request<T extends RequestType>(type: T, body: Omit<RequestBody<T>, 'type'>, timeoutMs = this.#requestTimeoutMs): Promise<ResultOf<T>> {
    if (!this.isOpen) return Promise.reject(new ParleyError('DISCONNECTED'));
    const id = this.#nextId++;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ParleyError('TIMEOUT'));
      }, timeoutMs);
      this.#pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        this.#write(JSON.stringify({ ...body, type, id }));
      } catch {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new ParleyError('DISCONNECTED'));
      }
    });
  }

  /**
   * Keeps this connection under the server's request rate (hello's `limits.requestsPerSecond`): past it
   * the server closes the connection (1008), and a long outbox sent as fast as acks come back on a fast
   * network would reach it. A fifth below the limit, so the server's own counting never sees it.
   */
  pace(requestsPerSecond: number): void {
    this.#perSecond = requestsPerSecond > 0 ? Math.max(1, Math.floor(requestsPerSecond * 0.8)) : 0;
    this.#flush();
  }

  #write(text: string): void {
    if (this.#perSecond === 0 && this.#waiting.length === 0) {
      this.#socket.send(text);
      return;
    }
    this.#waiting.push(text);
    this.#flush();
  }

  /** Sends what the last second's budget allows, and comes back when the oldest send leaves the window. */
  #flush(): void {
    if (this.#closed || this.#flushTimer !== null) return;
    const now = Date.now();
    while (this.#sentAt.length > 0 && now - this.#sentAt[0]! >= 1000) this.#sentAt.shift();
    while (this.#waiting.length > 0 && (this.#perSecond === 0 || this.#sentAt.length < this.#perSecond)) {
      const text = this.#waiting.shift()!;
      this.#sentAt.push(now);
      try {
        this.#socket.send(text);
      } catch {
        return; // the socket is closing: its close rejects every pending request
      }
    }
    if (this.#waiting.length > 0) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = null;
        this.#flush();
      }, 1000 - (now - this.#sentAt[0]!));
    }
  }

  close(code = 1000): void {
    if (this.#closed) return;
    try {
      this.#socket.close(code);
    } catch {
      // already closing
    }
    this.#closedBy(code);
  }

  #closedBy(code: number, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushTimer !== null) clearTimeout(this.#flushTimer);
    this.#waiting.length = 0;
    this.#socket.onmessage = this.#socket.onclose = null;
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(new ParleyError('DISCONNECTED'));
    }
    this.#handlers.onClose(code, reason);
  }

  #receive(data: unknown): void {
    if (this.#closed || typeof data !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = ServerFrame.parse(JSON.parse(data));
    } catch {
      return; // a frame we cannot read is dropped; the request it answers times out
    }
    switch (frame.type) {
      case 'ok': {
        const pending = this.#take(frame.id);
        if (!pending) return;
        const parsed = RESULTS[pending.type].safeParse(frame.result);
        if (parsed.success) pending.resolve(parsed.data);
        else pending.reject(new ParleyError('INVALID_FRAME', 'The server sent a reply this client cannot read.'));
        return;
      }
      case 'error': {
        const pending = frame.id === null ? undefined : this.#take(frame.id);
        pending?.reject(new ParleyError(frame.code, frame.message, frame.retryAfterMs === undefined ? undefined : { retryAfterMs: frame.retryAfterMs }));
        return;
      }
      case 'message':
      case 'presence':
      case 'read':
      case 'typing':
      case 'epoch':
      case 'keys':
      case 'vault':
      case 'membership':
      case 'shutdown':
        this.#handlers.onEvent(frame);
        return;
    }
  }

  #take(id: number) {
    const pending = this.#pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    return pending;
  }
}
