// Prometheus metrics (prom-client) in a registry of this server's own: connections, logins, messages, latency, errors.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../shared/errors.js';

export type LoginResult = 'ok' | 'failed' | 'rate_limited';

export class Metrics {
  readonly registry = new Registry();
  private readonly logins: Counter<'result'>;
  private readonly stored: Counter;
  private readonly delivered: Counter<'via'>;
  private readonly latency: Histogram;
  private readonly errors: Counter<'code'>;
  private readonly commitSize: Histogram;
  private readonly commitTime: Histogram;

  /** @param connections reads the number of open WebSocket connections when Prometheus scrapes. */
  constructor(connections: () => number) {
    const registers = [this.registry];
    // Process metrics (CPU, memory, event-loop lag) tell whether the one Node process is keeping up.
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
    new Gauge({
      name: 'parley_connections',
      help: 'Open WebSocket connections.',
      registers,
      collect() {
        this.set(connections());
      },
    });
    this.logins = new Counter({ name: 'parley_logins_total', help: 'Password logins by result.', labelNames: ['result'], registers });
    this.stored = new Counter({ name: 'parley_messages_stored_total', help: 'Messages committed (resends not counted).', registers });
    this.delivered = new Counter({
      name: 'parley_messages_delivered_total',
      help: 'Messages handed to a connection: pushed live, or returned by sync.',
      labelNames: ['via'],
      registers,
    });
    this.latency = new Histogram({
      name: 'parley_delivery_latency_seconds',
      help: 'From a send reaching the server to the message being pushed to the recipients (commit included).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.errors = new Counter({ name: 'parley_errors_total', help: 'Error replies by code.', labelNames: ['code'], registers });
    // One observation per group commit, not per message: what batching does under load, and what the disk costs.
    this.commitSize = new Histogram({
      name: 'parley_commit_messages',
      help: 'Messages per group commit (one SQLite transaction).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      registers,
    });
    this.commitTime = new Histogram({
      name: 'parley_commit_seconds',
      help: 'Time the store took for one group commit, statements and COMMIT.',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    for (const result of ['ok', 'failed', 'rate_limited'] as const) this.logins.inc({ result }, 0);
    for (const via of ['push', 'sync'] as const) this.delivered.inc({ via }, 0);
  }

  committed(messages: number, seconds: number): void {
    this.commitSize.observe(messages);
    this.commitTime.observe(seconds);
  }

  login(result: LoginResult): void {
    this.logins.inc({ result });
  }

  messageStored(): void {
    this.stored.inc();
  }

  /** A message pushed to `sessions` connections, `latencyMs` after its send reached the server. */
  messagePushed(sessions: number, latencyMs: number): void {
    if (sessions > 0) this.delivered.inc({ via: 'push' }, sessions);
    this.latency.observe(Math.max(0, latencyMs) / 1000);
  }

  messagesSynced(count: number): void {
    if (count > 0) this.delivered.inc({ via: 'sync' }, count);
  }

  error(code: ErrorCode): void {
    this.errors.inc({ code });
  }
}
