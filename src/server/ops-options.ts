// The `parley server` options for limits, rate limits, the proxy and TLS: flags with PARLEY_* variables, read into config.
import fs from 'node:fs';
import tls from 'node:tls';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { LIMITS } from '../shared/protocol.js';
import { type ServerConfig, defaultConfig } from './config.js';
import type { MetricsAccess } from './http/metrics-route.js';
import { DEFAULT_RATE_LIMITS } from './limits/rate-limits.js';

export interface OpsFlags {
  maxFrameBytes: number;
  maxMessageLength: number;
  maxConnectionsPerAddress: number;
  headersTimeoutMs: number;
  heartbeatMs: number;
  helloTimeoutMs: number;
  sessionIdleDays: number;
  allowUnencrypted?: boolean;
  slowConsumerBytes: number;
  trustProxy: boolean;
  loginFailuresPerAccount: number;
  loginFailuresPerAddress: number;
  registrationsPerHour: number;
  preloginsPerMinute: number;
  messageRate: number;
  messageBurst: number;
  requestsPerSecond: number;
  typingPerMinute: number;
  epochsPerHour: number;
  groupChangesPerHour: number;
  tlsCert?: string;
  tlsKey?: string;
  metrics: MetricsAccess;
}

const integer = (min: number, max: number, what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${what} is a whole number from ${min} to ${max}.`);
  return n;
};

const yesNo = (value: string): boolean => {
  if (['1', 'true', 'yes', 'on'].includes(value.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off', ''].includes(value.toLowerCase())) return false;
  throw new InvalidArgumentError('Use true or false.');
};

export function addOpsOptions(command: Command): Command {
  const d = defaultConfig();
  const option = (flags: string, description: string, env: string, parse: (value: string) => unknown, value: unknown) =>
    command.addOption(new Option(flags, description).env(env).argParser(parse).default(value));
  option('--max-frame-bytes <bytes>', 'largest WebSocket frame; a larger one closes the connection with 1009', 'PARLEY_MAX_FRAME_BYTES', integer(1_024, 16 * 1024 * 1024, 'A frame size'), d.maxFrameBytes);
  option('--max-message-length <chars>', `longest message body (at most ${LIMITS.bodyMaxLength})`, 'PARLEY_MAX_MESSAGE_LENGTH', integer(1, LIMITS.bodyMaxLength, 'A message length'), d.maxMessageLength);
  option('--max-connections-per-address <n>', 'WebSocket connections one address may hold (0: no limit)', 'PARLEY_MAX_CONNECTIONS_PER_ADDRESS', integer(0, 1_000_000, 'A connection count'), d.maxConnectionsPerAddress);
  option('--headers-timeout-ms <ms>', 'time a client has to send its request headers', 'PARLEY_HEADERS_TIMEOUT_MS', integer(100, 600_000, 'A timeout'), d.headersTimeoutMs);
  option('--heartbeat-ms <ms>', 'ping interval; a socket that misses a pong is dropped at the next one', 'PARLEY_HEARTBEAT_MS', integer(50, 3_600_000, 'An interval'), d.heartbeatMs);
  option('--hello-timeout-ms <ms>', 'time a new connection has to send hello before it is closed with 1008', 'PARLEY_HELLO_TIMEOUT_MS', integer(100, 600_000, 'A timeout'), d.helloTimeoutMs);
  option('--session-idle-days <days>', 'a session unused this long ends: log in again (0: sessions last until logout)', 'PARLEY_SESSION_IDLE_DAYS', integer(0, 36_500, 'A number of days'), d.sessionIdleDays);
  command.addOption(
    new Option('--allow-unencrypted', 'also accept accounts without end-to-end keys and unencrypted messages, which the server can read (load tests, tooling)').env(
      'PARLEY_ALLOW_UNENCRYPTED',
    ),
  );
  option('--slow-consumer-bytes <bytes>', 'unsent output past which a client that stopped reading is disconnected', 'PARLEY_SLOW_CONSUMER_BYTES', integer(16 * 1024, 1024 * 1024 * 1024, 'A buffer size'), d.slowConsumerBytes);
  const r = DEFAULT_RATE_LIMITS;
  const count = integer(0, 1_000_000, 'A rate limit');
  option('--login-failures-per-account <n>', 'failed logins per username in 15 minutes before RATE_LIMITED (0: off)', 'PARLEY_LOGIN_FAILURES_PER_ACCOUNT', count, r.loginFailuresPerAccount);
  option('--login-failures-per-address <n>', 'failed logins per address in 15 minutes before RATE_LIMITED (0: off)', 'PARLEY_LOGIN_FAILURES_PER_ADDRESS', count, r.loginFailuresPerAddress);
  option('--registrations-per-hour <n>', 'new accounts per address and hour (0: off)', 'PARLEY_REGISTRATIONS_PER_HOUR', count, r.registrationsPerHour);
  option('--prelogins-per-minute <n>', 'prelogin requests (salt lookups) per address and minute (0: off)', 'PARLEY_PRELOGINS_PER_MINUTE', count, r.preloginsPerMinute);
  option('--message-rate <n>', 'messages per user and second, sustained (0: no message limit)', 'PARLEY_MESSAGE_RATE', count, r.messagesPerSecond);
  option('--message-burst <n>', 'extra messages per user and minute for bursts', 'PARLEY_MESSAGE_BURST', count, r.messageBurstPerMinute);
  option('--requests-per-second <n>', 'frames one connection may send per second; past it the connection is closed (0: off)', 'PARLEY_REQUESTS_PER_SECOND', count, r.requestsPerSecond);
  option('--typing-per-minute <n>', 'typing hints per user and minute (0: off)', 'PARLEY_TYPING_PER_MINUTE', count, r.typingPerMinute);
  option('--epochs-per-hour <n>', 'conversation keys (addEpoch) per user and hour (0: off)', 'PARLEY_EPOCHS_PER_HOUR', count, r.epochsPerHour);
  option('--group-changes-per-hour <n>', 'groups created and membership changes per user and hour (0: off)', 'PARLEY_GROUP_CHANGES_PER_HOUR', count, r.groupChangesPerHour);
  command.addOption(new Option('--tls-cert <file>', 'certificate chain (PEM): serve HTTPS and WSS on the port').env('PARLEY_TLS_CERT'));
  command.addOption(new Option('--tls-key <file>', 'private key (PEM) of --tls-cert').env('PARLEY_TLS_KEY'));
  command.addOption(
    new Option('--metrics <who>', 'who may read /metrics: local (this machine), any, or off').env('PARLEY_METRICS').choices(['local', 'any', 'off']).default('local'),
  );
  command.addOption(
    new Option('--trust-proxy [yes|no]', 'believe X-Forwarded-For (only behind your own reverse proxy)').env('PARLEY_TRUST_PROXY').argParser(yesNo).default(false),
  );
  return command;
}

/** Reads and checks the certificate and key, so a bad file is one plain sentence at start-up. */
function readTls(certFile: string | undefined, keyFile: string | undefined): ServerConfig['tls'] {
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new Error('HTTPS needs both --tls-cert and --tls-key.');
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`The TLS ${what} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  };
  const material = { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
  try {
    tls.createSecureContext(material);
  } catch (error) {
    throw new Error(`The TLS certificate and key cannot be used together: ${(error as Error).message}.`);
  }
  return material;
}

export function opsConfig(flags: OpsFlags): Partial<ServerConfig> {
  return {
    tls: readTls(flags.tlsCert, flags.tlsKey),
    metrics: flags.metrics,
    maxFrameBytes: flags.maxFrameBytes,
    maxMessageLength: flags.maxMessageLength,
    maxConnectionsPerAddress: flags.maxConnectionsPerAddress,
    headersTimeoutMs: flags.headersTimeoutMs,
    heartbeatMs: flags.heartbeatMs,
    helloTimeoutMs: flags.helloTimeoutMs,
    sessionIdleDays: flags.sessionIdleDays,
    // A plain flag: commander gives true for the flag and for any value of its variable.
    allowUnencrypted: flags.allowUnencrypted === true,
    slowConsumerBytes: flags.slowConsumerBytes,
    // `--trust-proxy` alone gives `true`; commander passes the preset value through unparsed.
    trustProxy: flags.trustProxy === true || String(flags.trustProxy) === 'true',
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      loginFailuresPerAccount: flags.loginFailuresPerAccount,
      loginFailuresPerAddress: flags.loginFailuresPerAddress,
      registrationsPerHour: flags.registrationsPerHour,
      preloginsPerMinute: flags.preloginsPerMinute,
      messagesPerSecond: flags.messageRate,
      messageBurstPerMinute: flags.messageBurst,
      requestsPerSecond: flags.requestsPerSecond,
      typingPerMinute: flags.typingPerMinute,
      epochsPerHour: flags.epochsPerHour,
      groupChangesPerHour: flags.groupChangesPerHour,
    },
  };
}
