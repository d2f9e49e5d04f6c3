// Structured logging with pino; secrets are redacted even if a careless call tries to log them.
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names that must never reach a log line, wherever they appear in a logged object. */
const REDACT = ['password', 'token', 'body', 'authorization', 'cookie', '*.password', '*.token', '*.body', '*.cookie', '*.authorization'];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'parley' },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    options.destination,
  );
}
