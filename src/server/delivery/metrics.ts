// What delivery counts: messages stored and delivered, their latency, and each group commit's size and time.
import { Counter, Histogram, type Metric, type Registry } from 'prom-client';

/**
 * The per-message counts are kept in plain numbers and handed to the prom-client counters when Prometheus
 * scrapes (their `collect` hooks), and the latency histogram is a label-less twin of prom-client's: its
 * inc() and observe() hash labels and allocate on every call. metrics.test.ts renders both against
 * prom-client's own.
 */
export class DeliveryMetrics {
  private readonly stored: Counter;
  private readonly delivered: Counter<'via'>;
  private readonly latency: LabelFreeHistogram;
  private readonly commitSize: Histogram;
  private readonly commitTime: Histogram;
  private storedUncollected = 0;
  private pushedUncollected = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.stored = new Counter({
      name: 'parley_messages_stored_total',
      help: 'Messages committed (resends not counted).',
      registers,
      collect: () => {
        this.stored.inc(this.storedUncollected);
        this.storedUncollected = 0;
      },
    });
    this.delivered = new Counter({
      name: 'parley_messages_delivered_total',
      help: 'Messages handed to a connection: pushed live, or returned by sync.',
      labelNames: ['via'],
      registers,
      collect: () => {
        this.delivered.inc({ via: 'push' }, this.pushedUncollected);
        this.pushedUncollected = 0;
      },
    });
    this.latency = new LabelFreeHistogram(
      'parley_delivery_latency_seconds',
      'From a send reaching the server to the message being pushed to the recipients (commit included).',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    registry.registerMetric(this.latency as unknown as Metric);
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
    for (const via of ['push', 'sync'] as const) this.delivered.inc({ via }, 0);
  }

  committed(messages: number, seconds: number): void {
    this.commitSize.observe(messages);
    this.commitTime.observe(seconds);
  }

  messageStored(): void {
    this.storedUncollected++;
  }

  /** A message pushed to `sessions` connections, `latencyMs` after its send reached the server. */
  messagePushed(sessions: number, latencyMs: number): void {
    this.pushedUncollected += sessions;
    this.latency.observe(Math.max(0, latencyMs) / 1000);
  }

  messagesSynced(count: number): void {
    if (count > 0) this.delivered.inc({ via: 'sync' }, count);
  }
}

/**
 * A histogram without labels for a once-per-message observation: a bucket index and two additions. The
 * registry renders it like any histogram (the same `_bucket`, `_sum` and `_count` series).
 */
class LabelFreeHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]!) i++;
    if (i < this.counts.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { metricName: string; labels: Record<string, number | string>; value: number }[] } {
    let cumulative = 0;
    const values = this.bounds.map((le, i) => ({ metricName: `${this.name}_bucket`, labels: { le } as Record<string, number | string>, value: (cumulative += this.counts[i]!) }));
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum }, { metricName: `${this.name}_count`, labels: {}, value: this.count });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
