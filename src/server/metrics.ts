// Prometheus metrics (prom-client) in a registry of this server's own: connections, logins, errors, and delivery's.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ErrorCode } from '../shared/errors.js';
import { DeliveryMetrics } from './delivery/metrics.js';

type LoginResult = 'ok' | 'failed' | 'rate_limited';

export class Metrics {
  readonly registry = new Registry();
  /** Messages stored, pushed and synced, delivery latency, group commits (delivery/metrics.ts). */
  readonly delivery: DeliveryMetrics;
  private readonly logins: Counter<'result'>;
  private readonly errors: Counter<'code'>;
  /** The most output one connection held unsent after a write, in bytes, since the last scrape. */
  outputPeakBytes = 0;

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
    const peak = new Gauge({
      name: 'parley_output_peak_bytes',
      help: 'The most output one connection held unsent (not yet taken by the kernel) since the last scrape.',
      registers,
      collect: () => {
        peak.set(this.outputPeakBytes);
        this.outputPeakBytes = 0;
      },
    });
    this.logins = new Counter({ name: 'parley_logins_total', help: 'Password logins by result.', labelNames: ['result'], registers });
    this.delivery = new DeliveryMetrics(this.registry);
    this.errors = new Counter({ name: 'parley_errors_total', help: 'Error replies by code.', labelNames: ['code'], registers });
    for (const result of ['ok', 'failed', 'rate_limited'] as const) this.logins.inc({ result }, 0);
  }

  /** After each write of a connection's output: what it still holds unsent. */
  outputQueued(bytes: number): void {
    if (bytes > this.outputPeakBytes) this.outputPeakBytes = bytes;
  }

  login(result: LoginResult): void {
    this.logins.inc({ result });
  }

  error(code: ErrorCode): void {
    this.errors.inc({ code });
  }
}
