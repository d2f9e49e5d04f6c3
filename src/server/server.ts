// The Parley server: HTTP and the WebSocket at /ws on one port, wired to handlers, store and hub.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CLOSE_CODES } from '../shared/protocol.js';
import { Committer } from './committer.js';
import { type ServerConfig, databaseFile } from './config.js';
import { Connection } from './connection.js';
import type { Services } from './context.js';
import { coreRoutes, type HttpHandler, notFound } from './http/routes.js';
import { authorizeUpgrade } from './http/upgrade.js';
import { webRoutes } from './http/web.js';
import { Hub } from './hub.js';
import type { Logger } from './log.js';
import { OutputBatcher } from './output.js';
import { Passwords } from './passwords.js';
import { SqliteKeyStore, type KeyStore } from './store/keys.js';
import { SqliteStore } from './store/sqlite.js';
import type { Store } from './store/store.js';

export interface ServerOptions {
  config: ServerConfig;
  log: Logger;
  /** Defaults to the SQLite file in the data folder. */
  store?: Store;
  /** Defaults to the SQLite store's own database; required with another store. */
  keys?: KeyStore;
  /** Extra HTTP routes tried before the built-in ones (the web client's static files and API). */
  routes?: HttpHandler[];
  now?: () => number;
}

export interface ParleyServer {
  readonly http: http.Server;
  readonly services: Services;
  listen(): Promise<AddressInfo>;
  /** Tells every client, closes every socket, commits what is pending and closes the store. */
  close(reason?: string): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 2_000;

export function createServer(options: ServerOptions): ParleyServer {
  const { config, log } = options;
  const store = options.store ?? new SqliteStore({ file: databaseFile(config), durability: config.durability });
  const keys = options.keys ?? (store instanceof SqliteStore ? new SqliteKeyStore(store.db) : undefined);
  if (!keys) throw new Error('createServer: a key store is required with a store other than SQLite');
  const services: Services = {
    config,
    store,
    keys,
    log,
    hub: new Hub(),
    passwords: new Passwords(config.maxConcurrentHashes),
    committer: new Committer(store, (error) =>
      log.error({ err: { message: (error as Error)?.message, stack: (error as Error)?.stack } }, 'reply after commit failed'),
    ),
    output: new OutputBatcher(),
    now: options.now ?? Date.now,
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
  const routes = [
    ...(options.routes ?? []),
    ...webRoutes({ services, endSession }),
    coreRoutes({ isReady: () => ready && !closing }),
  ];
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    if (!routes.some((route) => route(req, res))) notFound(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes, perMessageDeflate: false });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== '/ws' || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
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
          const address = req.socket.remoteAddress ?? null;
          // The upgraded TCP socket: the connection corks it to batch writes (ws keeps its own reference private).
          const conn = new Connection(ws, address, log, { conn: nextConnectionId++, address }, services, req.socket as Socket);
          connections.add(conn);
          ws.on('close', () => connections.delete(conn));
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

  const heartbeat = setInterval(() => {
    for (const conn of connections) {
      if (!conn.alive) {
        conn.log.info('no pong since the last ping; dropping the connection');
        conn.terminate();
      } else {
        conn.ping();
      }
    }
  }, config.heartbeatMs);
  heartbeat.unref();

  return {
    http: server,
    services,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          ready = true;
          resolve(server.address() as AddressInfo);
        });
      }),
    close: (reason = 'The server is shutting down.') =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        server.close();
        // Commit what was sent before the shutdown and let those acks go out, then say goodbye.
        await services.committer.drain();
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
        await services.committer.drain();
        server.closeAllConnections();
        wss.close();
        await store.close();
        log.info('server stopped');
      })()),
  };
}
