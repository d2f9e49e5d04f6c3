// Server settings with their defaults; the CLI fills them from flags and PARLEY_* environment variables.
import path from 'node:path';
import { LIMITS } from '../shared/protocol.js';
import type { MetricsAccess } from './http/metrics-route.js';
import { DEFAULT_RATE_LIMITS, type RateLimitConfig } from './limits/rate-limits.js';
import type { Durability } from './store/sqlite.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** Folder holding parley.db (created if missing). */
  dataDir: string;
  durability: Durability;
  /** WebSocket payload limit in bytes; a larger frame closes the connection with 1009. */
  maxFrameBytes: number;
  /** Longest message body in characters (UTF-16 code units); at most the protocol's LIMITS.bodyMaxLength. */
  maxMessageLength: number;
  /** WebSocket connections one address (an IPv6 /64) may hold at once; 0 means no limit. */
  maxConnectionsPerAddress: number;
  /** A client must send its complete request headers within this time, or the socket is closed (slowloris). */
  headersTimeoutMs: number;
  /** Believe X-Forwarded-For for the client's address: only when every client reaches Parley through your proxy. */
  trustProxy: boolean;
  /** Failed logins, registrations and messages (limits/rate-limits.ts); false switches them all off (tests, benchmarks). */
  rateLimits: RateLimitConfig | false;
  /** Serve HTTPS and WSS on the port with this certificate chain and key (PEM); plain HTTP and WS when null. */
  tls: { cert: string; key: string } | null;
  /** Who may read /metrics: loopback clients only, anyone, or nobody. */
  metrics: MetricsAccess;
  /** Interval of WebSocket pings; a socket that missed the previous pong is dropped. */
  heartbeatMs: number;
  /** A connection that has not sent `hello` this long after opening is closed with 1008. */
  helloTimeoutMs: number;
  /**
   * Accept accounts without end-to-end keys and message bodies that are not `p1.` envelopes (load tests,
   * protocol tooling). Off by default: the server then stores and relays nothing it could read.
   */
  allowUnencrypted: boolean;
  /** A session not used (no connection, no resume) for this many days ends; 0 keeps sessions until logout. */
  sessionIdleDays: number;
  /** A connection whose unsent output passes this many bytes is disconnected (it resumes from its cursor). */
  slowConsumerBytes: number;
  /** argon2id hashes running at once (each takes ~19 MiB); more logins wait their turn. */
  maxConcurrentHashes: number;
  /** argon2id hashes that may wait for a turn; past it, SERVER_BUSY with a retry-after. */
  maxQueuedHashes: number;
  /** Browser origins besides the server's own that may open a WebSocket or call /api (e.g. a proxy's public URL). */
  allowedOrigins: string[];
  /**
   * The origin people use to reach the server when it has a DNS name or sits behind a reverse proxy
   * (e.g. https://chat.example.org): its name is answered to besides IP addresses and localhost.
   */
  publicUrl: string | null;
  /** Folder of the built web client; dist/web of the package when unset. */
  webDir?: string;
}

export const DEFAULT_PORT = 50000;

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: '0.0.0.0',
    port: DEFAULT_PORT,
    dataDir: path.resolve('data'),
    durability: 'normal',
    maxFrameBytes: LIMITS.maxFrameBytes,
    maxMessageLength: LIMITS.bodyMaxLength,
    maxConnectionsPerAddress: 50,
    headersTimeoutMs: 10_000,
    trustProxy: false,
    rateLimits: DEFAULT_RATE_LIMITS,
    tls: null,
    metrics: 'local',
    heartbeatMs: 30_000,
    helloTimeoutMs: 10_000,
    sessionIdleDays: 90,
    allowUnencrypted: false,
    slowConsumerBytes: 4 * 1024 * 1024,
    maxConcurrentHashes: 4,
    maxQueuedHashes: 64,
    allowedOrigins: [],
    publicUrl: null,
    ...overrides,
  };
}

export const databaseFile = (config: Pick<ServerConfig, 'dataDir'>): string => path.join(config.dataDir, 'parley.db');
