// One WebSocket connection: frames in, handler dispatch, replies and pushes out; the socket stays here.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { ParleyError } from '../shared/errors.js';
import { CLOSE_CODES, type ClientFrame, type ErrorReply } from '../shared/protocol.js';
import type { ConnectionView, HandledType, HandlerContext, Services, Session } from './context.js';
import type { SendOrigin } from './delivery/delivery.js';
import { encodeTextFrames, type OutputTarget } from './delivery/output.js';
import { handlers } from './handlers/index.js';
import type { HubClient } from './hub.js';
import { parseClientFrame } from './parse.js';

/** Reads whose replies can be megabytes: one runs at a time per connection, and only while its output is under budget. */
const LARGE_READS: ReadonlySet<string> = new Set(['sync', 'history', 'conversations']);
/** Large reads a connection may have waiting behind the running one; more get RATE_LIMITED. */
const MAX_WAITING_READS = 32;
/**
 * How long a large read waits for the connection's output to drain under budget before the connection is
 * cut off as a slow consumer; and how long a cut-off consumer has to read up to its close frame (which
 * waits behind the output it has not read) and see 4000 before it is dropped (ws alone would wait 30 s).
 */
const SLOW_CONSUMER_GRACE_MS = 5_000;

let nextRateKey = 1;

export class Connection implements ConnectionView, HubClient, OutputTarget, SendOrigin {
  session: Session | null = null;
  private agreedVersion: number | null = null;
  /** Cleared at each heartbeat, set by each pong; a socket still clear at the next heartbeat is dead. */
  alive = true;
  private closing: { code: number; reason: string } | null = null;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  /** Made on first use: most connections never log, and a child logger per idle connection costs memory. */
  private logger: Logger | null = null;
  /** Frames sent during this turn, written together at its end (delivery/output.ts); null when none. */
  private output: string[] | null = null;
  /**
   * What the transport held when the turn's first frame was queued plus the length of the turn's frames
   * (characters: bytes are counted when they are encoded, at the flush). The transport's share cannot
   * change before the flush, the turn's only write, so it is read once per turn, not once per frame.
   */
  private unsent = 0;
  /** Large reads waiting for the running one; null when none runs. */
  private reads: HandledFrame[] | null = null;
  /** Frames received since the request rate was last counted (it counts in steps: RequestLimits.framesPerCount). */
  private uncountedFrames = 0;
  private readonly rateKey = String(nextRateKey++);
  private helloTimer: NodeJS.Timeout | null;
  /** The connection's own log fields (id, address), without a user: what its lines carry while logged out. */
  private readonly baseBindings: Record<string, unknown>;

  constructor(
    private readonly socket: WebSocket,
    readonly address: string | null,
    private readonly parentLog: Logger,
    private bindings: Record<string, unknown>,
    private readonly services: Services,
    /** The TCP (or TLS) socket under the WebSocket: a turn's frames are written to it in one buffer. */
    private readonly transport: Socket,
  ) {
    this.baseBindings = bindings;
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.onClose());
    socket.on('error', (error) => this.log.debug({ err: { message: error.message } }, 'socket error'));
    // ws ends the TCP side once both close frames have passed (or the peer ended), then waits for the peer's
    // FIN. A peer that keeps its side open (or is too busy to close it) would hold the descriptor for the
    // whole close timeout: with the handshake done and our bytes handed to the kernel, let it go now.
    transport.once('finish', () => transport.destroy());
    this.helloTimer = setTimeout(() => {
      this.log.info('no hello in time; closing the connection');
      this.close(CLOSE_CODES.policyViolation, 'No hello in time.');
    }, services.config.helloTimeoutMs);
    this.helloTimer.unref();
  }

  get version(): number | null {
    return this.agreedVersion;
  }

  /** Set by `hello`, which ends the wait for it. */
  set version(version: number | null) {
    this.agreedVersion = version;
    if (version !== null && this.helloTimer) {
      clearTimeout(this.helloTimer);
      this.helloTimer = null;
    }
  }

  /** Output not yet taken by the kernel: this turn's frames and what the transport still holds. */
  get outputBytes(): number {
    return this.output === null ? this.transport.writableLength : this.unsent;
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

  /**
   * Queues a serialized frame for the end of the turn, or drops a consumer that stopped reading: the
   * frames already queued in this turn count, so a burst of replies cannot pass the budget unseen.
   */
  send(frame: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.output === null) this.unsent = this.transport.writableLength;
    if (this.unsent > this.services.config.slowConsumerBytes) {
      this.cutOff();
      return;
    }
    if (this.output === null) {
      this.output = [];
      this.services.output.hold(this);
    }
    this.output.push(frame);
    this.unsent += frame.length;
  }

  /** Closes with 4000 behind the unread output, drops this turn's frames, and terminates after a grace. */
  private cutOff(): void {
    this.log.warn({ unsent: this.outputBytes, buffered: this.transport.writableLength }, 'slow consumer disconnected');
    this.output = null;
    this.unsent = 0;
    this.reads = null;
    this.socket.close(CLOSE_CODES.slowConsumer, 'Too far behind; reconnect and sync.');
    setTimeout(() => this.socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
  }

  /**
   * Writes the turn's frames past `ws`, framed as it would (the server offers no compression, so its
   * sender never queues and the bytes are the same); `bufferedAmount` still counts them once written.
   */
  flushOutput(): void {
    const frames = this.output;
    this.output = null;
    this.unsent = 0;
    if (frames === null || this.socket.readyState !== WebSocket.OPEN) return;
    this.transport.write(encodeTextFrames(frames));
    this.services.metrics.outputQueued(this.transport.writableLength);
  }

  authenticate(session: Session): void {
    this.session = session;
    this.bindings = { ...this.bindings, userId: session.userId, sessionId: session.sessionId };
    this.logger = null;
    // Presence is the hub's: it tells the user's online contacts, and this connection theirs.
    this.services.hub.add(this);
  }

  unauthenticate(): void {
    // Parts of a vault belong to the session that sent them: a disconnect or logout drops them unstored.
    this.services.vaultParts.drop(this);
    const session = this.session;
    if (!session) return;
    const { hub, store, now } = this.services;
    hub.remove(this);
    this.session = null;
    // Lines logged after a logout (a failed login next) must not name the user who left.
    this.bindings = this.baseBindings;
    this.logger = null;
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
    // ws goes on parsing what arrived after a close; none of it is answered.
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (++this.uncountedFrames === this.services.requestLimits.framesPerCount) this.countFrames();
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

  /**
   * Counts a step of frames. Frames are answered while the limiter decides (the rest of this read of the
   * socket at most); past the rate the connection is closed and what it still sends or waits for is not answered.
   */
  private countFrames(): void {
    this.uncountedFrames = 0;
    this.services.requestLimits.frameCount(this.rateKey).catch((error: unknown) => {
      if (this.socket.readyState !== WebSocket.OPEN) return;
      this.log.warn('too many requests; closing the connection');
      this.replyError(null, error);
      this.reads = null;
      this.close(CLOSE_CODES.policyViolation, 'Too many requests.');
    });
  }

  /**
   * Sends go to delivery/, the fast lane, which answers them itself; every other request to its handler,
   * run synchronously up to its first await.
   */
  private dispatch(frame: ClientFrame): void {
    const session = this.session;
    if (this.agreedVersion === null && frame.type !== 'hello') {
      this.replyError(frame.id, new ParleyError('HELLO_REQUIRED', 'Send hello first to agree on a protocol version.'));
      return;
    }
    if (frame.type === 'send') {
      if (session) this.services.delivery.accept(frame, this, session);
      else this.replyError(frame.id, new ParleyError('NOT_AUTHENTICATED'));
      return;
    }
    const handler = handlers[frame.type];
    if (handler.needsSession && !session) {
      this.replyError(frame.id, new ParleyError('NOT_AUTHENTICATED'));
      return;
    }
    if (handler.guestOnly && session) {
      this.replyError(frame.id, new ParleyError('ALREADY_AUTHENTICATED'));
      return;
    }
    if (LARGE_READS.has(frame.type)) {
      this.queueRead(frame);
      return;
    }
    void this.run(frame);
  }

  /** Large reads run one after another, each only while the output is under budget (the slow consumer's). */
  private queueRead(frame: HandledFrame): void {
    if (this.reads === null) {
      this.reads = [];
      this.runRead(frame);
    } else if (this.reads.length < MAX_WAITING_READS) {
      this.reads.push(frame);
    } else {
      this.replyError(frame.id, new ParleyError('RATE_LIMITED', 'Too many reads waiting on this connection; wait for their replies.', { retryAfterMs: 1_000 }));
    }
  }

  private runRead(frame: HandledFrame): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (this.outputBytes > this.services.config.slowConsumerBytes) {
      this.holdRead(frame);
      return;
    }
    void this.run(frame).then(this.nextRead);
  }

  /**
   * Runs the read once the output is back under budget: this turn's frames are written at its end, then
   * the transport says 'drain' when the kernel has taken all of them. A client that does not read within
   * the grace is cut off.
   */
  private holdRead(frame: HandledFrame): void {
    const budget = this.services.config.slowConsumerBytes;
    const retry = (): void => {
      clearTimeout(timer);
      this.transport.off('drain', retry);
      this.runRead(frame);
    };
    const timer = setTimeout(() => {
      this.transport.off('drain', retry);
      if (this.socket.readyState === WebSocket.OPEN) this.cutOff();
    }, SLOW_CONSUMER_GRACE_MS);
    timer.unref();
    setImmediate(() => {
      if (this.socket.readyState !== WebSocket.OPEN) clearTimeout(timer);
      else if (this.outputBytes <= budget) retry();
      else this.transport.once('drain', retry);
    });
  }

  private readonly nextRead = (): void => {
    const next = this.reads?.shift();
    if (next) this.runRead(next);
    else this.reads = null;
  };

  /** Runs a request through its handler; resolves once it is answered. */
  private run(frame: HandledFrame): Promise<void> {
    const handler = handlers[frame.type];
    const request = new RequestScope(this.services, this, frame);
    // The table's type ties each frame to its handler; TypeScript cannot see through the union here.
    return (handler.handle as (request: HandledFrame, ctx: HandlerContext) => Promise<unknown>)(frame, request).then(
      (result) => request.ok(result),
      (error: unknown) => request.fail(error),
    );
  }

  /** Sends a request's reply, then what was to follow it, then closes if the request asked to. For RequestScope and delivery. */
  finishRequest(reply: string, after?: readonly (() => void)[]): void {
    this.send(reply);
    if (after) for (const task of after) task();
    if (this.closing) this.close(this.closing.code, this.closing.reason);
  }

  /** Public for RequestScope and delivery; handlers throw instead. */
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
    this.reads = null;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.unauthenticate();
    if (this.parentLog.isLevelEnabled('debug')) this.log.debug('connection closed');
    for (const listener of this.closeListeners) listener();
  }
}

/** A frame the handler table answers (every type but `send`). */
type HandledFrame = Extract<ClientFrame, { type: HandledType }>;

/** One request's context, and its answer: the handler's result or error, and what was to follow it. */
class RequestScope implements HandlerContext {
  private after: (() => void)[] | undefined;

  constructor(
    readonly services: Services,
    readonly conn: Connection,
    private readonly frame: HandledFrame,
  ) {}

  afterReply(task: () => void): void {
    (this.after ??= []).push(task);
  }

  ok(result: unknown): void {
    this.conn.finishRequest(JSON.stringify({ type: 'ok', id: this.frame.id, result }), this.after);
  }

  fail(error: unknown): void {
    this.conn.replyError(this.frame.id, error, this.frame.type);
  }
}
