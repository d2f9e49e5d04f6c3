// What a handler receives: the services it may use and a socket-free view of its connection.
import type { Logger } from 'pino';
import { ParleyError } from '../shared/errors.js';
import type { RequestOf, RequestType, ResultOf } from '../shared/protocol.js';
import type { ServerConfig } from './config.js';
import type { Delivery } from './delivery/delivery.js';
import type { OutputBatcher } from './delivery/output.js';
import type { Hub, HubClient } from './hub.js';
import type { RateLimits } from './limits/rate-limits.js';
import type { RequestLimits } from './limits/request-limits.js';
import type { VaultParts } from './limits/vault-parts.js';
import type { Metrics } from './metrics.js';
import type { Passwords } from './passwords.js';
import type { Store } from './store/store.js';

export interface Services {
  config: ServerConfig;
  /** The log of record, end-to-end key material (opaque ciphertext and public keys) included. */
  store: Store;
  hub: Hub;
  passwords: Passwords;
  /** The fast lane every `send` takes: group commit, ack, pushes (delivery/). */
  delivery: Delivery;
  /** Holds each connection's frames to the end of the turn, so a group commit's acks and pushes leave in one write per socket. */
  output: OutputBatcher;
  rateLimits: RateLimits;
  /** Frames per connection, typing hints and key epochs per user. */
  requestLimits: RequestLimits;
  metrics: Metrics;
  /** Vaults written in parts, held per connection until their last part (handlers/vault.ts). */
  vaultParts: VaultParts;
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

/** The request types the handler table answers: all but `send`, which Connection hands to delivery/. */
export type HandledType = Exclude<RequestType, 'send'>;

export interface Handler<T extends HandledType> {
  /** False for the handlers a connection may use before logging in. */
  needsSession: boolean;
  /** True for the handlers only a logged-out connection may use (they log it in). */
  guestOnly?: boolean;
  handle(request: RequestOf<T>, ctx: HandlerContext): Promise<ResultOf<T>>;
}

export function sessionOf(ctx: HandlerContext): Session {
  const session = ctx.conn.session;
  if (!session) throw new ParleyError('NOT_AUTHENTICATED');
  return session;
}
