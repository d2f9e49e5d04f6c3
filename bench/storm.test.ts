// The reconnect-storm bench at a small N against a real server (a child process): everyone comes back, presence is counted.
import { describe, expect, it } from 'vitest';
import { formatStorm, runStorm, DEFAULT_STORM } from './storm.js';

describe('the reconnect storm', () => {
  it('brings every user back with resume, counts presence frames and the bystander latency, both ways', { timeout: 120_000 }, async () => {
    const report = await runStorm({ ...DEFAULT_STORM, users: 30, conversations: 2, timeoutSec: 30 }, () => {});
    expect(report.setupSignedIn).toBe(30);
    expect(report.storms.map((s) => s.jitter)).toEqual(['sdk', 'none']);
    for (const storm of report.storms) {
      expect(storm.back).toBe(30);
      expect(storm.allBackSec).not.toBeNull();
      expect(storm.cutOff).toBe(0);
      expect(storm.bystander.count).toBeGreaterThan(0);
      // Presence among contacts only: each pair of contacts sees each other come back (two frames), a
      // little more for the bystanders; a broadcast to all 32 connections would be ~30 × 31.
      expect(storm.presenceFrames).toBeGreaterThan(0);
      expect(storm.presenceFrames).toBeLessThanOrEqual(2 * report.conversations + 4 * DEFAULT_STORM.conversations + 8);
    }
    expect(formatStorm(report)).toMatch(/\| all at once \| \d+\.\d+ s \| 30 \|/);
  });
});
