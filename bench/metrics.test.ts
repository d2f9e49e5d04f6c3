// The group-commit counters read from a /metrics page, and added up over nodes.
import { describe, expect, it } from 'vitest';
import { parseCommitStats, sumCommitStats } from './metrics.js';

const PAGE = `# HELP parley_commit_messages Messages per group commit (one SQLite transaction).
# TYPE parley_commit_messages histogram
parley_commit_messages_bucket{le="1"} 3
parley_commit_messages_bucket{le="+Inf"} 10
parley_commit_messages_sum 250
parley_commit_messages_count 10
parley_commit_seconds_bucket{le="+Inf"} 10
parley_commit_seconds_sum 0.125
parley_commit_seconds_count 10
`;

describe('commit counters', () => {
  it('reads the count, messages and seconds of the group commits', () => {
    expect(parseCommitStats(PAGE)).toEqual({ commits: 10, messages: 250, seconds: 0.125 });
    expect(parseCommitStats('parley_connections 3\n')).toBeNull();
  });

  it('adds several nodes up, or gives null when one is missing', () => {
    const one = { commits: 1, messages: 2, seconds: 0.5 };
    expect(sumCommitStats([one, one])).toEqual({ commits: 2, messages: 4, seconds: 1 });
    expect(sumCommitStats([one, null])).toBeNull();
    expect(sumCommitStats([])).toBeNull();
  });
});
