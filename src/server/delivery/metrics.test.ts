// The send path's counters and latency histogram read at a scrape exactly as prom-client's own would.
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { expect, test } from 'vitest';
import { DeliveryMetrics } from './metrics.js';

const LATENCY = 'parley_delivery_latency_seconds';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The lines of one metric family in a scrape. */
const family = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(name) || line.includes(` ${name} `));

test('messages stored and pushed, and their latencies, scrape as prom-client renders the same observations', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ sessions: fc.nat(3), latencyMs: fc.oneof(fc.constantFrom(...BUCKETS.map((b) => b * 1000)), fc.double({ min: -5, max: 4000, noNaN: true })) }), { maxLength: 60 }),
      fc.nat(60),
      async (pushes, scrapeAfter) => {
        const registry = new Registry();
        const metrics = new DeliveryMetrics(registry);
        const reference = new Registry();
        const stored = new Counter({ name: 'parley_messages_stored_total', help: 'Messages committed (resends not counted).', registers: [reference] });
        const delivered = new Counter({ name: 'parley_messages_delivered_total', help: 'Messages handed to a connection: pushed live, or returned by sync.', labelNames: ['via'], registers: [reference] });
        const latency = new Histogram({ name: LATENCY, help: 'From a send reaching the server to the message being pushed to the recipients (commit included).', buckets: BUCKETS, registers: [reference] });
        for (const via of ['push', 'sync']) delivered.inc({ via }, 0);
        // A scrape part-way must not lose or repeat what was counted before it.
        for (const [i, push] of pushes.entries()) {
          if (i === scrapeAfter) await registry.metrics();
          metrics.messageStored();
          metrics.messagePushed(push.sessions, push.latencyMs);
          stored.inc();
          if (push.sessions > 0) delivered.inc({ via: 'push' }, push.sessions);
          latency.observe(Math.max(0, push.latencyMs) / 1000);
        }
        const [ours, theirs] = [await registry.metrics(), await reference.metrics()];
        for (const name of ['parley_messages_stored_total', 'parley_messages_delivered_total', LATENCY]) {
          expect(family(ours, name)).toEqual(family(theirs, name));
        }
        expect(family(ours, `${LATENCY}_count`)).toEqual([`${LATENCY}_count ${pushes.length}`]);
      },
    ),
    { numRuns: 200 },
  );
});
