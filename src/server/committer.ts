// Group commit: sends that arrive in one event-loop turn are stored in one transaction, then acked.
import type { AppendResult, NewMessage, Store } from './store/store.js';

interface Pending {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export class Committer {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  /** Resolves once the message is committed (or found to be a resend), never before. */
  submit(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Waits until everything submitted so far is committed; used at shutdown. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) await this.flush();
    await this.flushing;
  }

  private flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return this.flushing;
    this.queue = [];
    this.flushing = this.flushing.then(async () => {
      try {
        const results = await this.store.appendMessages(batch.map((p) => p.message));
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    });
    return this.flushing;
  }
}
