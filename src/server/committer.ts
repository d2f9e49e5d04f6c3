// Group commit: sends that arrive in one event-loop turn are stored in one transaction, then acked.
import type { AppendResult, NewMessage, Store } from './store/store.js';

/** Called once the message is committed (error undefined) or its batch failed. */
export type Committed = (error: unknown, result: AppendResult | undefined) => void;

interface Pending {
  message: NewMessage;
  done: Committed;
}

export class Committer {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    /** Told when a `done` callback throws; the rest of the batch is still told its outcome. */
    private readonly onCallbackError: (error: unknown) => void = () => {},
    /** Told after each commit: how many messages it carried and how long the store took (metrics). */
    private readonly onCommit: (messages: number, seconds: number) => void = () => {},
  ) {}

  /** Resolves once the message is committed (or found to be a resend), never before. */
  submit(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) => this.enqueue(message, (error, result) => (error === undefined ? resolve(result!) : reject(error))));
  }

  /**
   * The same without a promise per message, for the send hot path: `done` runs synchronously
   * for the whole batch right after its commit, so every ack and push of the batch is written
   * in the same turn (and leaves in one write per socket).
   */
  enqueue(message: NewMessage, done: Committed): void {
    this.queue.push({ message, done });
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
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
      let results: AppendResult[];
      const started = performance.now();
      try {
        results = await this.store.appendMessages(batch.map((p) => p.message));
        this.onCommit(batch.length, (performance.now() - started) / 1000);
      } catch (error) {
        for (const p of batch) this.tell(p, error, undefined);
        return;
      }
      for (let i = 0; i < batch.length; i++) this.tell(batch[i]!, undefined, results[i]);
    });
    return this.flushing;
  }

  private tell(p: Pending, error: unknown, result: AppendResult | undefined): void {
    try {
      p.done(error, result);
    } catch (callbackError) {
      this.onCallbackError(callbackError);
    }
  }
}
