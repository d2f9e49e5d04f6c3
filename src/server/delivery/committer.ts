// Group commit: sends that arrive in one event-loop turn are stored in one transaction, then settled.
import type { AppendResultOf, NewMessage, Store } from '../store/store.js';

/** Told each message's outcome: committed (error undefined, the store's result), or its batch failed. */
type Settle<M extends NewMessage> = (message: M, error: unknown, result: AppendResultOf<M> | undefined) => void;

export class Committer<M extends NewMessage> {
  private queue: M[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    /**
     * Runs synchronously for the whole batch right after its commit, so every ack and push of the batch is
     * written in the same turn (and leaves in one write per socket); no promise or closure per message.
     */
    private readonly settle: Settle<M>,
    /** Told when `settle` throws; the rest of the batch is still settled. */
    private readonly onSettleError: (error: unknown) => void = () => {},
    /** Told after each commit: how many messages it carried and how long the store took (metrics). */
    private readonly onCommit: (messages: number, seconds: number) => void = () => {},
  ) {}

  /** Queues a message for this turn's commit; `settle` hears of it once it is committed (never before). */
  enqueue(message: M): void {
    this.queue.push(message);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  /** Waits until everything enqueued so far is committed and settled; used at shutdown. */
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
      let results: AppendResultOf<M>[];
      const started = performance.now();
      try {
        results = await this.store.appendMessages(batch);
        this.onCommit(batch.length, (performance.now() - started) / 1000);
      } catch (error) {
        for (const message of batch) this.tell(message, error, undefined);
        return;
      }
      for (let i = 0; i < batch.length; i++) this.tell(batch[i]!, undefined, results[i]);
    });
    return this.flushing;
  }

  private tell(message: M, error: unknown, result: AppendResultOf<M> | undefined): void {
    try {
      this.settle(message, error, result);
    } catch (settleError) {
      this.onSettleError(settleError);
    }
  }
}
