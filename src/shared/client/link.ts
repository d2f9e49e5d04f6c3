// The client's link to the server across sockets: open one, say hello, take up the session, and when it
// drops, open another after a backoff, until the user exits.
import { ParleyError } from '../errors.js';
import { CLOSE_CODES, SUPPORTED_VERSIONS } from '../protocol.js';
import type { Account } from './account.js';
import { backoffDelay } from './backoff.js';
import type { CatchUp } from './catch-up.js';
import { asParleyError, type ClientContext } from './context.js';
import type { Outbox } from './outbox.js';
import { ServerSocket } from './server-socket.js';
import type { ConnectionState } from './state.js';
import type { TypingIndicators } from './typing.js';

interface LinkParts {
  account: Account;
  catchUp: CatchUp;
  outbox: Outbox;
  typing: TypingIndicators;
}

export class Link {
  readonly #ctx: ClientContext;
  readonly #parts: LinkParts;
  #started = false;
  #exiting = false;
  #establishing = false;
  #attempt = 0;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(ctx: ClientContext, parts: LinkParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  async connect(): Promise<void> {
    if (this.#started) throw new Error('connect() may be called once per client');
    this.#started = true;
    this.#setConnection({ status: 'connecting' });
    try {
      await this.#establish();
    } catch (error) {
      const parleyError = asParleyError(error);
      if (!this.#exiting) this.#setConnection({ status: 'closed', reason: parleyError.message });
      throw parleyError;
    }
  }

  reconnectNow(): void {
    if (this.#ctx.state.connection.status !== 'reconnecting' || this.#establishing) return;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    void this.#retry();
  }

  async exit(): Promise<void> {
    if (this.#exiting) return;
    this.#exiting = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#parts.outbox.stop();
    this.#parts.typing.clear();
    const conn = this.#ctx.socket;
    if (conn?.isOpen) await conn.request('bye', {}, 2_000).catch(() => undefined);
    conn?.close(1000);
    this.#ctx.socket = this.#ctx.ready = null;
    this.#setConnection({ status: 'closed', reason: null });
  }

  async #establish(): Promise<void> {
    const ctx = this.#ctx;
    const { options } = ctx;
    this.#establishing = true;
    let conn: ServerSocket | null = null;
    try {
      conn = await ServerSocket.open(
        options.url,
        options.WebSocket,
        {
          onEvent: (event) => {
            if (conn === ctx.socket) this.#parts.catchUp.onEvent(event);
          },
          onClose: (code, reason) => {
            if (conn) this.#onClose(conn, code, reason);
          },
        },
        { timeoutMs: options.connectTimeoutMs, requestTimeoutMs: options.requestTimeoutMs },
      );
      if (this.#exiting) throw new ParleyError('DISCONNECTED');
      ctx.socket = conn;
      const hello = await conn.request('hello', {
        versions: [...SUPPORTED_VERSIONS],
        ...(options.clientName ? { client: options.clientName } : {}),
      });
      conn.pace(hello.limits.requestsPerSecond ?? 0);
      ctx.maxFrameBytes = hello.limits.maxFrameBytes;
      ctx.vaultMaxLength = hello.limits.vaultMaxLength;
      ctx.update((s) => ({
        ...s,
        limits: { bodyMaxLength: hello.limits.bodyMaxLength, passwordMinLength: hello.limits.passwordMinLength },
      }));
      this.#parts.account.hello(hello);
      await this.#parts.account.resume(conn, hello.session);
      if (this.#exiting) throw new ParleyError('DISCONNECTED');
      this.#attempt = 0;
      this.#setConnection({ status: 'online' });
    } catch (error) {
      conn?.close(1000);
      if (conn === ctx.socket) ctx.socket = null;
      throw error;
    } finally {
      this.#establishing = false;
    }
  }

  #onClose(conn: ServerSocket, code: number, reason: string): void {
    const ctx = this.#ctx;
    if (conn !== ctx.socket) return;
    const wasOnline = ctx.state.connection.status === 'online';
    ctx.socket = null;
    ctx.ready = null;
    // Presence comes as events on a socket: with it gone, nobody is known to be online.
    ctx.update((s) => (s.online.length === 0 ? s : { ...s, online: [] }));
    if (this.#exiting) return;
    // 4001: the session was ended elsewhere (signed out from another device, password changed); the token
    // is dead. The server's sentence says which, for the sign-in screen.
    if (code === CLOSE_CODES.sessionEnded) {
      this.#parts.account.forgetToken();
      const said = reason.trim().slice(0, 200);
      ctx.update((s) => ({ ...s, endedReason: said === '' ? 'Your session was ended on another device; sign in again.' : said }));
    }
    // During a handshake the attempt itself fails and schedules the retry.
    if (wasOnline) this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#exiting) return;
    this.#attempt += 1;
    const delay = backoffDelay(this.#attempt, this.#ctx.options.backoff);
    this.#setConnection({ status: 'reconnecting', attempt: this.#attempt, nextRetryAt: this.#ctx.options.now() + delay });
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#retry();
    }, delay);
  }

  async #retry(): Promise<void> {
    try {
      await this.#establish();
    } catch {
      this.#scheduleReconnect();
    }
  }

  #setConnection(connection: ConnectionState): void {
    this.#ctx.update((s) => ({ ...s, connection }));
  }
}
