// Group commit: the sends that arrive while no commit runs are stored in one transaction; those that arrive
// while one runs wait for it and are stored together in the next, then settled.
import type { AppendResultOf, NewMessage, Store } from '../store/store.js';

/** Told each message's outcome: committed (error undefined, the store's result), or its batch failed. */
type Settle<M extends NewMessage> = (message: M, error: unknown, result: AppendResultOf<M> | undefined) => void;

/**
 * The most messages one commit carries. A store that commits over the network (PostgreSQL) gathers every
 * send that arrives during a commit into the next one; under overload that queue could grow into commits
 * of many thousands, each holding the log's lock for seconds: past this, the rest wait for the commit after.
 */
export const MAX_BATCH = 1_000;

export class Committer<M extends NewMessage> {
  private queue: M[] = [];
  /** A commit is scheduled for the end of this turn. */
  private scheduled = false;
  /** The loop that commits batch after batch until the queue is empty; null when none runs. */
  private running: Promise<void> | null = null;

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
    private readonly maxBatch: number = MAX_BATCH,
  ) {}

  /**
   * Queues a message for the next commit; `settle` hears of it once it is committed (never before). With
   * no commit running, that is one at the end of this turn, for every send the turn read; with one
   * running, the one right after it, for every send that came meanwhile.
   */
  enqueue(message: M): void {
    this.queue.push(message);
    if (!this.scheduled && this.running === null) {
      this.scheduled = true;
      setImmediate(this.start);
    }
  }

  /** Waits until everything enqueued so far is committed and settled; used at shutdown. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled || this.running !== null) {
      if (this.running !== null) await this.running;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private readonly start = (): void => {
    this.scheduled = false;
    if (this.running === null && this.queue.length > 0) this.running = this.commitAll();
  };

  /** Commits the queue a batch at a time, in arrival order, until nothing is left. */
  private async commitAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let batch = this.queue;
        if (batch.length <= this.maxBatch) this.queue = [];
        else {
          batch = this.queue.slice(0, this.maxBatch);
          this.queue = this.queue.slice(this.maxBatch);
        }
        await this.commit(batch);
      }
    } finally {
      this.running = null;
    }
  }

  private async commit(batch: M[]): Promise<void> {
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
  }

  private tell(message: M, error: unknown, result: AppendResultOf<M> | undefined): void {
    try {
      this.settle(message, error, result);
    } catch (settleError) {
      this.onSettleError(settleError);
    }
  }
}
