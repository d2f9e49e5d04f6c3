// Reads a Parley server's group-commit counters from its /metrics page (local access, the server's default).

/** Group commits (transactions of messages) so far: how many, the messages they carried, the store's time in them. */
export interface CommitStats {
  commits: number;
  messages: number;
  seconds: number;
}

/** The commit counters in a Prometheus text page; null when it has none. */
export function parseCommitStats(page: string): CommitStats | null {
  const value = (name: string): number | null => {
    const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(page);
    return match === null ? null : Number(match[1]);
  };
  const commits = value('parley_commit_messages_count');
  const messages = value('parley_commit_messages_sum');
  const seconds = value('parley_commit_seconds_sum');
  return commits === null || messages === null || seconds === null ? null : { commits, messages, seconds };
}

/** The counters of the server whose WebSocket URL is `wsUrl` (ws://127.0.0.1:P/ws), or null if /metrics does not answer. */
export async function readCommitStats(wsUrl: string): Promise<CommitStats | null> {
  const url = new URL(wsUrl);
  try {
    const response = await fetch(`http://${url.host}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? parseCommitStats(await response.text()) : null;
  } catch {
    return null;
  }
}

/** Several servers' counters added up; null if any is missing. */
export function sumCommitStats(stats: readonly (CommitStats | null)[]): CommitStats | null {
  if (stats.length === 0 || stats.some((s) => s === null)) return null;
  return (stats as CommitStats[]).reduce((a, b) => ({ commits: a.commits + b.commits, messages: a.messages + b.messages, seconds: a.seconds + b.seconds }));
}
