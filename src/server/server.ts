// The Parley server: HTTP and the WebSocket at /ws on one port, wired to handlers, store and hub.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ServerOptions as WsServerOptions, WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../shared/protocol.js';
import { type ServerConfig, databaseFile } from './config.js';
import { Connection } from './connection.js';
import type { Services } from './context.js';
import { Delivery } from './delivery/delivery.js';
import { OutputBatcher } from './delivery/output.js';
import { addressKey, clientAddress } from './http/address.js';
import { metricsRoute } from './http/metrics-route.js';
import { hostAllowList, misdirected } from './http/host.js';
import { coreRoutes, type HttpHandler, notFound, overLimit } from './http/routes.js';
import { FdGuard } from './fd-limit.js';
import { authorizeUpgrade } from './http/upgrade.js';
import { webRoutes } from './http/web.js';
import { Hub } from './hub.js';
import { AddressSlots } from './limits/address-slots.js';
import type { LimiterFactory } from './limits/limiter-factory.js';
import { RateLimits } from './limits/rate-limits.js';
import { NO_REQUEST_LIMITS, RequestLimits } from './limits/request-limits.js';
import { VaultParts } from './limits/vault-parts.js';
import { Metrics } from './metrics.js';
import type { Logger } from './log.js';
import { Passwords } from './passwords.js';
import { idleCutoff } from './session-lifecycle.js';
import { Heartbeat } from './heartbeat.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

interface ServerOptions {
  config: ServerConfig;
  log: Logger;
  /** Defaults to the SQLite file in the data folder. */
  store?: Store;
  /** Extra HTTP routes tried before the built-in ones (the web client's static files and API). */
  routes?: HttpHandler[];
  /** The fan-out to connections; a Hub in this process by default (a RedisHub reaches the other nodes' too). */
  hub?: Hub;
  /** Where rate-limit counters live; in this process by default (a Redis-backed factory shares them between nodes). */
  limiterFactory?: LimiterFactory;
  now?: () => number;
}

export interface ParleyServer {
  /** An https.Server when the config has TLS. */
  readonly http: http.Server | https.Server;
  readonly services: Services;
  listen(): Promise<AddressInfo>;
  /** Tells every client, closes every socket, commits what is pending and closes the store. */
  close(reason?: string): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_000;
/** How long a closing WebSocket waits for the peer's close frame before its socket is destroyed. */
const CLOSE_TIMEOUT_MS = 5_000;
/** How long /healthz waits for a database on another machine (PostgreSQL) to answer before it says 503. */
const HEALTH_TIMEOUT_MS = 1_000;
/**
 * Connections the kernel may complete and hold for the server while its event loop is busy (Node's default is
 * 511; Linux caps the value at net.core.somaxconn, 4,096 by default). When every client of a restarted server
 * reconnects at once, a full queue drops their SYNs and TCP retries them only after 1, 3, 7, 15 s.
 */
const LISTEN_BACKLOG = 4_096;

/** /healthz's check of a database on another machine, for a store that has one. */
function databaseCheck(store: Store): { database?: () => Promise<string | null> } {
  const unreachable = store.unreachable?.bind(store);
  return unreachable ? { database: () => unreachable(HEALTH_TIMEOUT_MS) } : {};
}

/**
 * Node checks headersTimeout only every connectionsCheckingInterval (30 s by default), so a slowloris
 * client would hold its socket far longer than the setting says; check often enough to honour it.
 */
function httpTimeouts(headersTimeout: number): http.ServerOptions {
  return {
    headersTimeout,
    requestTimeout: Math.max(30_000, headersTimeout),
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
}

export function createServer(options: ServerOptions): ParleyServer {
  const { config, log } = options;
  const store = options.store ?? new SqliteStore({ file: databaseFile(config), durability: config.durability });
  const metrics = new Metrics(() => connections.size);
  const now = options.now ?? Date.now;
  const hub =
    options.hub ??
    new Hub(
      (userId) => store.contactIds(userId),
      (error) => log.error({ err: { message: (error as Error)?.message } }, 'loading contacts for presence failed'),
    );
  const rateLimits = new RateLimits(config.rateLimits, options.limiterFactory);
  const services: Services = {
    config,
    store,
    log,
    hub,
    passwords: new Passwords(config.maxConcurrentHashes, config.maxQueuedHashes),
    delivery: new Delivery({
      store,
      config,
      hub,
      rateLimits,
      metrics: metrics.delivery,
      now,
      onError: (error) => log.error({ err: { message: (error as Error)?.message, stack: (error as Error)?.stack } }, 'reply after commit failed'),
    }),
    output: new OutputBatcher(),
    rateLimits,
    requestLimits: new RequestLimits(config.rateLimits || NO_REQUEST_LIMITS, options.limiterFactory),
    metrics,
    vaultParts: new VaultParts(),
    now,
  };
  const connections = new Set<Connection>();
  let ready = false;
  let closing: Promise<void> | undefined;
  let nextConnectionId = 1;

  // A session ended over HTTP (the browser's sign-out) also ends its live sockets, in every tab.
  const endSession = (sessionId: number) => {
    for (const conn of connections) {
      if (conn.session?.sessionId === sessionId) conn.close(CLOSE_CODES.sessionEnded, 'session ended');
    }
  };
  const isReady = () => ready && !closing && (store.isOpen?.() ?? true);
  const routes = [
    ...(options.routes ?? []),
    metricsRoute(services.metrics, config.metrics, config.trustProxy),
    ...webRoutes({ services, endSession }),
    coreRoutes({
      isReady,
      pressure: () => fdGuard.pressure(),
      ...databaseCheck(store),
    }),
  ];
  const slots = new AddressSlots(config.maxConnectionsPerAddress);
  // Counted from here: the database's files are open, the listening socket comes next.
  const fdGuard = new FdGuard(log);
  // Checked before any route, for HTTP and WebSocket upgrades alike (DNS rebinding, http/host.ts).
  const hostAllowed = hostAllowList(config);
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!hostAllowed(req.headers.host)) {
      misdirected(res);
      return;
    }
    // Past the open-file reserve only /healthz is answered as such (503 with the reason); the rest hear why not.
    if (fdGuard.refuses(req.socket) && new URL(req.url ?? '/', 'http://localhost').pathname !== '/healthz') {
      overLimit(res);
      return;
    }
    if (!routes.some((route) => route(req, res))) notFound(res);
  };
  // HTTPS and WSS on the same port when a certificate is configured; the rest of the server cannot tell.
  const server: http.Server | https.Server = config.tls
    ? https.createServer({ ...httpTimeouts(config.headersTimeoutMs), cert: config.tls.cert, key: config.tls.key }, handle)
    : http.createServer(httpTimeouts(config.headersTimeoutMs), handle);

  // A peer that does not answer our close frame is dropped after CLOSE_TIMEOUT_MS, not ws's 30 s, so its descriptor
  // comes back soon (the ws we run takes closeTimeout; @types/ws does not list it yet).
  const wsOptions: WsServerOptions & { closeTimeout: number } = {
    noServer: true,
    maxPayload: config.maxFrameBytes,
    perMessageDeflate: false,
    closeTimeout: CLOSE_TIMEOUT_MS,
  };
  const wss = new WebSocketServer(wsOptions);
  server.on('connection', fdGuard.accept);
  server.on('secureConnection', fdGuard.acceptTls);
  // After listen, the server's only errors are failed accepts: logged (once per interval at the file limit), never fatal.
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (!ready || fdGuard.acceptError(error)) return;
    log.error({ err: { message: error.message, code: error.code } }, 'server socket error');
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!hostAllowed(req.headers.host)) {
      socket.end('HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (fdGuard.refuses(socket as Socket)) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 10\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/ws' || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    const address = clientAddress(req, config.trustProxy);
    const slot = addressKey(address);
    if (!slots.tryAcquire(slot)) {
      log.info({ address }, 'too many connections from one address');
      socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 10\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The raw socket closes on every path (refused, failed or closed later), so the slot always comes back.
    socket.once('close', () => slots.release(slot));
    // Until ws owns the socket, a reset during the async checks below must not become an uncaught error.
    const onSocketError = () => socket.destroy();
    socket.on('error', onSocketError);
    authorizeUpgrade(req, services).then(
      (verdict) => {
        if (socket.destroyed) return;
        if (!verdict.ok || closing) {
          const status = closing ? '503 Service Unavailable' : '403 Forbidden';
          socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        socket.off('error', onSocketError);
        wss.handleUpgrade(req, socket, head, (ws) => {
          // The upgraded TCP socket: the connection writes each turn's frames to it in one buffer (ws keeps its own reference private).
          const conn = new Connection(ws, address, log, { conn: nextConnectionId++, address }, services, req.socket as Socket);
          connections.add(conn);
          heartbeat.add(conn);
          ws.on('close', () => {
            connections.delete(conn);
            heartbeat.delete(conn);
          });
          // The browser's HttpOnly cookie logged this connection in during the upgrade; hello will say so.
          if (verdict.session) conn.authenticate(verdict.session);
          if (log.isLevelEnabled('debug')) conn.log.debug('connection opened');
        });
      },
      (error: unknown) => {
        log.error({ err: { message: (error as Error)?.message } }, 'upgrade check failed');
        socket.end('HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      },
    );
  });

  // Sessions unused for --session-idle-days end: at their next use (session-lifecycle.ts) and in an hourly sweep.
  const sweepIdleSessions = (): void => {
    const cutoff = idleCutoff(services);
    if (cutoff === null) return;
    store.deleteIdleSessions(cutoff).then(
      (ended) => ended > 0 && log.info({ ended }, 'ended sessions unused for too long'),
      (error: unknown) => log.error({ err: { message: (error as Error)?.message } }, 'sweeping idle sessions failed'),
    );
  };
  sweepIdleSessions();
  const sessionSweep = setInterval(sweepIdleSessions, 60 * 60 * 1000);
  sessionSweep.unref();

  // Each connection is pinged once per heartbeat; one that has not answered the previous ping is dropped.
  const heartbeat = new Heartbeat<Connection>(config.heartbeatMs, (conn) => conn.log.info('no pong since the last ping; dropping the connection'));

  return {
    http: server,
    services,
    listen: async () => {
      // Set now if this database has none (new, or a restored backup), before any client can ask.
      log.info({ generation: await store.generation() }, 'database generation');
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          ready = true;
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close: (reason = 'The server is shutting down.') =>
      (closing ??= (async () => {
        heartbeat.stop();
        clearInterval(sessionSweep);
        server.close();
        // Commit what was sent before the shutdown and let those acks go out, then say goodbye.
        await services.delivery.drain();
        await new Promise((resolve) => setImmediate(resolve));
        const frame = JSON.stringify({ type: 'shutdown', reason });
        const gone = [...connections].map(
          (conn) =>
            new Promise<void>((resolve) => {
              conn.send(frame);
              conn.close(CLOSE_CODES.goingAway, 'server shutting down');
              const timer = setTimeout(() => {
                conn.terminate();
                resolve();
              }, SHUTDOWN_GRACE_MS);
              conn.onClosed(() => {
                clearTimeout(timer);
                resolve();
              });
            }),
        );
        await Promise.all(gone);
        await services.delivery.drain();
        server.closeAllConnections();
        wss.close();
        await hub.close();
        await store.close();
        // A server that never listened (port in use) did not start, so it does not say it stopped.
        if (ready) log.info('server stopped');
      })()),
  };
}
