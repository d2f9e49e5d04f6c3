// One WebSocket connection: frames in, handler dispatch, replies and pushes out; the socket stays here.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { ParleyError } from '../shared/errors.js';
import { CLOSE_CODES, type ClientFrame, type ErrorReply, type RequestType } from '../shared/protocol.js';
import type { ConnectionView, HandlerContext, Reply, Services, Session } from './context.js';
import { handlers } from './handlers/index.js';
import type { HubClient } from './hub.js';
import { encodeTextFrames, type OutputTarget } from './output.js';
import { parseClientFrame } from './parse.js';

export class Connection implements ConnectionView, HubClient, OutputTarget {
  session: Session | null = null;
  version: number | null = null;
  /** Cleared at each heartbeat, set by each pong; a socket still clear at the next heartbeat is dead. */
  alive = true;
  private closing: { code: number; reason: string } | null = null;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  /** Made on first use: most connections never log, and a child logger per idle connection costs memory. */
  private logger: Logger | null = null;
  /** Frames sent during this turn, written together at its end (OutputBatcher); null when none. */
  private output: string[] | null = null;

  constructor(
    private readonly socket: WebSocket,
    readonly address: string | null,
    private readonly parentLog: Logger,
    private bindings: Record<string, unknown>,
    private readonly services: Services,
    /** The TCP (or TLS) socket under the WebSocket: a turn's frames are written to it in one buffer. */
    private readonly transport: Socket,
  ) {
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => this.log.debug({ err: { message: error.message } }, 'socket error'));
  }

  get log(): Logger {
    return (this.logger ??= this.parentLog.child(this.bindings));
  }

  get userId(): number {
    return this.session?.userId ?? 0;
  }

  get username(): string {
    return this.session?.username ?? '';
  }

  get sessionId(): number {
    return this.session?.sessionId ?? 0;
  }

  get client(): HubClient | null {
    return this.session ? this : null;
  }

  /** Hands a serialized frame to the socket, or drops a consumer that stopped reading. */
  send(frame: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.socket.bufferedAmount > this.services.config.slowConsumerBytes) {
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'slow consumer disconnected');
      this.socket.close(CLOSE_CODES.slowConsumer, 'Too far behind; reconnect and sync.');
      this.socket.terminate();
      return;
    }
    if (this.output === null) {
      this.output = [];
      this.services.output.hold(this);
    }
    this.output.push(frame);
  }

  /**
   * Writes the turn's frames past `ws`, framed as it would (the server offers no compression, so its
   * sender never queues and the bytes are the same); `bufferedAmount` still counts them once written.
   */
  flushOutput(): void {
    const frames = this.output;
    this.output = null;
    if (frames === null || this.socket.readyState !== WebSocket.OPEN) return;
    this.transport.write(encodeTextFrames(frames));
  }

  authenticate(session: Session): void {
    this.session = session;
    this.bindings = { ...this.bindings, userId: session.userId, sessionId: session.sessionId };
    this.logger = null;
    const { hub } = this.services;
    if (hub.add(this)) hub.broadcast(JSON.stringify({ type: 'presence', username: session.username, online: true }), this);
  }

  unauthenticate(): void {
    const session = this.session;
    if (!session) return;
    const { hub, store, now } = this.services;
    if (hub.remove(this)) hub.broadcast(JSON.stringify({ type: 'presence', username: session.username, online: false }));
    this.session = null;
    // "Last seen" in the session list: the moment its connection went away (a no-op once the session is deleted).
    store.touchSession(session.sessionId, now(), null).catch(() => undefined);
  }

  closeAfterReply(code: number, reason: string): void {
    this.closing = { code, reason };
  }

  /** Called at shutdown or by the heartbeat. */
  close(code: number, reason: string): void {
    this.flushOutput();
    this.socket.close(code, reason);
  }

  onClosed(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  terminate(): void {
    this.socket.terminate();
  }

  ping(): void {
    this.alive = false;
    this.socket.ping();
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    if (isBinary) {
      this.replyError(null, new ParleyError('INVALID_FRAME', 'Frames must be text (JSON), not binary.'));
      return;
    }
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) {
      this.replyError(parsed.id, parsed.error);
      return;
    }
    this.dispatch(parsed.frame);
  }

  /** Runs the handler synchronously up to its first await, so sends keep their arrival order. */
  private dispatch(frame: ClientFrame): void {
    const handler = handlers[frame.type];
    if (this.version === null && frame.type !== 'hello') {
      this.replyError(frame.id, new ParleyError('HELLO_REQUIRED', 'Send hello first to agree on a protocol version.'));
      return;
    }
    if (handler.needsSession && !this.session) {
      this.replyError(frame.id, new ParleyError('NOT_AUTHENTICATED', 'Log in first.'));
      return;
    }
    const request = new RequestScope(this.services, this, frame);
    // The table's type ties each frame to its handler; TypeScript cannot see through the union here.
    const now = handler.handleNow as ((request: ClientFrame, ctx: HandlerContext, reply: Reply<RequestType>) => void) | undefined;
    if (now !== undefined) {
      try {
        now(frame, request, request);
      } catch (error) {
        request.fail(error);
      }
      return;
    }
    (handler.handle as (request: ClientFrame, ctx: HandlerContext) => Promise<unknown>)(frame, request).then(
      (result) => request.ok(result),
      (error: unknown) => request.fail(error),
    );
  }

  /** Sends a request's reply, then what was to follow it, then closes if the request asked to. For RequestScope. */
  finishRequest(reply: string, after: readonly (() => void)[] | undefined): void {
    this.send(reply);
    if (after) for (const task of after) task();
    if (this.closing) this.close(this.closing.code, this.closing.reason);
  }

  /** Public for RequestScope; handlers answer through their Reply. */
  replyError(id: number | null, error: unknown, type?: string): void {
    let parleyError: ParleyError;
    if (error instanceof ParleyError) {
      parleyError = error;
    } else {
      // Only the error's own text is logged, never the request, which may hold a password or message text.
      this.log.error({ err: { message: (error as Error)?.message, stack: (error as Error)?.stack }, type }, 'request failed');
      parleyError = new ParleyError('INTERNAL', 'The server failed to handle this request; try again.');
    }
    this.services.metrics.error(parleyError.code);
    const reply: ErrorReply = { type: 'error', id, code: parleyError.code, message: parleyError.message };
    if (parleyError.retryAfterMs !== undefined) reply.retryAfterMs = parleyError.retryAfterMs;
    this.send(JSON.stringify(reply));
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.unauthenticate();
    if (this.parentLog.isLevelEnabled('debug')) this.log.debug('connection closed');
    for (const listener of this.closeListeners) listener();
  }
}

/**
 * One request's context and reply in one object: the send hot path runs this per message, where a
 * context, a reply and their closures were six allocations.
 */
class RequestScope implements HandlerContext, Reply<RequestType> {
  private after: (() => void)[] | undefined;

  constructor(
    readonly services: Services,
    readonly conn: Connection,
    private readonly frame: ClientFrame,
  ) {}

  get requestId(): number {
    return this.frame.id;
  }

  afterReply(task: () => void): void {
    (this.after ??= []).push(task);
  }

  ok(result: unknown): void {
    this.conn.finishRequest(JSON.stringify({ type: 'ok', id: this.frame.id, result }), this.after);
  }

  okText(frame: string): void {
    this.conn.finishRequest(frame, this.after);
  }

  fail(error: unknown): void {
    this.conn.replyError(this.frame.id, error, this.frame.type);
  }
}
