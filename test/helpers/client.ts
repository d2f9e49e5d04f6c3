// A bare protocol client for server tests: typed requests, collected events, bounded waits.
import WebSocket from 'ws';
import type { ErrorReply, RequestBody, RequestType, ResultOf, ServerEvent } from '../../src/shared/protocol.js';

export class RequestFailed extends Error {
  constructor(readonly reply: ErrorReply) {
    super(`${reply.code}: ${reply.message}`);
  }
  get code(): string {
    return this.reply.code;
  }
}

export class TestClient {
  readonly events: ServerEvent[] = [];
  readonly frames: unknown[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  closeCode: number | undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id?: number | null; result?: unknown };
      this.frames.push(frame);
      if (frame.type === 'ok' || frame.type === 'error') {
        const waiter = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
        if (waiter && typeof frame.id === 'number') {
          this.pending.delete(frame.id);
          if (frame.type === 'ok') waiter.resolve(frame.result);
          else waiter.reject(new RequestFailed(frame as ErrorReply));
        }
      } else {
        this.events.push(frame as ServerEvent);
      }
      for (const wake of this.waiters) wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const waiter of this.pending.values()) waiter.reject(new Error(`socket closed (${code})`));
      this.pending.clear();
      for (const wake of this.waiters) wake();
    });
  }

  static async connect(url: string, options: { hello?: boolean; headers?: Record<string, string>; ca?: string } = {}): Promise<TestClient> {
    const socket = new WebSocket(url, { headers: options.headers, ca: options.ca });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new TestClient(socket);
    if (options.hello !== false) await client.request('hello', { type: 'hello', versions: [1] });
    return client;
  }

  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<ResultOf<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ ...body, type, id }));
    });
  }

  /** Sends raw text (for malformed-input tests). */
  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Resolves once the predicate holds over the frames received so far; fails after the timeout. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value !== undefined && value !== false) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('timed out waiting for a condition'));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  event<T extends ServerEvent['type']>(type: T, match: (e: Extract<ServerEvent, { type: T }>) => boolean = () => true) {
    return this.waitFor(() => this.events.find((e): e is Extract<ServerEvent, { type: T }> => e.type === type && match(e as Extract<ServerEvent, { type: T }>)));
  }

  waitClosed(timeoutMs = 5_000): Promise<number> {
    return this.waitFor(() => this.closeCode, timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** Connects, says hello and registers (or logs in when the account exists). */
export async function userClient(url: string, username: string, password = 'correct horse battery'): Promise<TestClient & { token: string }> {
  const client = await TestClient.connect(url);
  let token: string;
  try {
    token = (await client.request('register', { type: 'register', username, password })).token;
  } catch (error) {
    if (!(error instanceof RequestFailed) || error.code !== 'USERNAME_TAKEN') throw error;
    token = (await client.request('login', { type: 'login', username, password })).token;
  }
  return Object.assign(client, { token });
}
