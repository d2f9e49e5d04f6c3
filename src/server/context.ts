// What a handler receives: the services it may use and a socket-free view of its connection.
import type { Logger } from 'pino';
import { ParleyError } from '../shared/errors.js';
import type { RequestOf, RequestType, ResultOf } from '../shared/protocol.js';
import type { Committer } from './committer.js';
import type { ServerConfig } from './config.js';
import type { Hub, HubClient } from './hub.js';
import type { OutputBatcher } from './output.js';
import type { RateLimits } from './limits/rate-limits.js';
import type { RequestLimits } from './limits/request-limits.js';
import type { Metrics } from './metrics.js';
import type { Passwords } from './passwords.js';
import type { Store } from './store/store.js';

export interface Services {
  config: ServerConfig;
  /** The log of record, end-to-end key material (opaque ciphertext and public keys) included. */
  store: Store;
  hub: Hub;
  passwords: Passwords;
  committer: Committer;
  /** Corks sockets for the rest of a turn, so a group commit's acks and pushes leave in one write per socket. */
  output: OutputBatcher;
  rateLimits: RateLimits;
  /** Frames per connection, typing hints and key epochs per user. */
  requestLimits: RequestLimits;
  metrics: Metrics;
  log: Logger;
  now(): number;
}

export interface Session {
  userId: number;
  username: string;
  sessionId: number;
}

/** A connection as handlers see it: its state and the few things they may ask of it, never the socket. */
export interface ConnectionView {
  readonly address: string | null;
  readonly log: Logger;
  readonly session: Session | null;
  version: number | null;
  /** Attach a session: joins the hub (and announces presence when it is the user's first). */
  authenticate(session: Session): void;
  /** Detach the session (logout): leaves the hub, the connection stays open. */
  unauthenticate(): void;
  /** Close the connection once the reply has been sent. */
  closeAfterReply(code: number, reason: string): void;
  /** The hub-facing identity of this connection (while logged in), for fan-out that skips it. */
  readonly client: HubClient | null;
}

export interface HandlerContext {
  services: Services;
  conn: ConnectionView;
  /** Run after this request's reply is sent: pushes to others follow the ack (docs/architecture.md, the delivery model). */
  afterReply(task: () => void): void;
}

/** How a callback-style handler answers: exactly one call, to ok (or okText) or to fail. */
export interface Reply<T extends RequestType> {
  ok(result: ResultOf<T>): void;
  fail(error: unknown): void;
  /** The request's id, for a reply the handler serializes itself; absent outside WebSockets, as is okText. */
  readonly requestId?: number;
  /** The hot path's `ok`: the whole reply frame, already serialized for `requestId`. */
  okText?(frame: string): void;
}

export interface Handler<T extends RequestType> {
  /** False for the handlers a connection may use before logging in. */
  needsSession: boolean;
  handle(request: RequestOf<T>, ctx: HandlerContext): Promise<ResultOf<T>>;
  /**
   * The same without promises, for the hot path (send); the connection prefers it when present.
   * Work to do after the reply (pushes) is done right after calling reply.ok.
   */
  handleNow?(request: RequestOf<T>, ctx: HandlerContext, reply: Reply<T>): void;
}

export function sessionOf(ctx: HandlerContext): Session {
  const session = ctx.conn.session;
  if (!session) throw new ParleyError('NOT_AUTHENTICATED', 'Log in first.');
  return session;
}
