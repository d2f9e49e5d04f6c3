// Group commit: sends that arrive in one event-loop turn are stored in one transaction, then acked.
import type { AppendResult, NewMessage, Store } from './store/store.js';

/**
 * A message waiting for its commit that is told the outcome itself: the send path's one object per
 * message, where a message, a callback (and its closure) and a queue entry were four.
 */
export interface QueuedMessage extends NewMessage {
  /** Called once the message is committed (error undefined) or its batch failed. */
  committed(error: unknown, result: AppendResult | undefined): void;
}

export class Committer {
  private queue: QueuedMessage[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    /** Told when a `committed` callback throws; the rest of the batch is still told its outcome. */
    private readonly onCallbackError: (error: unknown) => void = () => {},
    /** Told after each commit: how many messages it carried and how long the store took (metrics). */
    private readonly onCommit: (messages: number, seconds: number) => void = () => {},
  ) {}

  /** Resolves once the message is committed (or found to be a resend), never before. */
  submit(message: NewMessage): Promise<AppendResult> {
    return new Promise((resolve, reject) =>
      this.enqueue({ ...message, committed: (error, result) => (error === undefined ? resolve(result!) : reject(error)) }),
    );
  }

  /**
   * The same without a promise per message, for the send hot path: `committed` runs synchronously
   * for the whole batch right after its commit, so every ack and push of the batch is written
   * in the same turn (and leaves in one write per socket).
   */
  enqueue(message: QueuedMessage): void {
    this.queue.push(message);
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
        results = await this.store.appendMessages(batch);
        this.onCommit(batch.length, (performance.now() - started) / 1000);
      } catch (error) {
        for (const p of batch) this.tell(p, error, undefined);
        return;
      }
      for (let i = 0; i < batch.length; i++) this.tell(batch[i]!, undefined, results[i]);
    });
    return this.flushing;
  }

  private tell(message: QueuedMessage, error: unknown, result: AppendResult | undefined): void {
    try {
      message.committed(error, result);
    } catch (callbackError) {
      this.onCallbackError(callbackError);
    }
  }
}
