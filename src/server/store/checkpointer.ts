// Runs SQLite's WAL checkpoints on a worker thread, so their fsyncs never stall the event loop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Plain JavaScript evaluated in the worker (no TypeScript loader there): its own connection to the
 * same file, a PASSIVE checkpoint every interval (it never blocks the writer), and a last one on close.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const checkpoint = () => {
  try {
    // While the WAL is large, repeat: each pass copies what the writer added during the last one,
    // so passes shrink; once one copies little, the writer's finishing checkpoint will be short too.
    let copied = -1;
    for (let pass = 0; pass < 20; pass++) {
      const [result] = db.pragma('wal_checkpoint(PASSIVE)');
      if (!result || result.busy || result.log < workerData.restartFrames) return;
      if (copied !== -1 && result.checkpointed - copied <= workerData.smallFrames) {
        parentPort.postMessage({ walFrames: result.log });
        return;
      }
      copied = result.checkpointed;
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
parentPort.postMessage({ ready: true });
`;

interface CheckpointerOptions {
  file: string;
  synchronous: 'NORMAL' | 'FULL';
  intervalMs?: number;
  /**
   * WAL size (in frames) past which the writer is asked to finish a checkpoint itself. Under steady
   * writes the worker's checkpoint never catches the last frame, and SQLite only rewinds the WAL to
   * its start after a checkpoint that did; the writer's own, right after its commit, does.
   */
  restartFrames?: number;
  /** The WAL has grown past restartFrames; the worker has copied nearly all of it. */
  onLargeWal: () => void;
  /** Told when the worker fails, so the store can go back to checkpointing on its own thread. */
  onFailure: (reason: string) => void;
}

export class Checkpointer {
  private readonly worker: Worker;
  private exited = false;

  constructor(options: CheckpointerOptions) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver,
        file: options.file,
        synchronous: options.synchronous,
        intervalMs: options.intervalMs ?? 200,
        restartFrames: options.restartFrames ?? 16_384,
        smallFrames: 256,
      },
      // The worker loads only better-sqlite3; the TypeScript loader the main thread may run under is not needed.
      execArgv: [],
    });
    this.worker.unref();
    this.worker.on('message', (message: { error?: string; walFrames?: number }) => {
      if (message.error !== undefined) options.onFailure(message.error);
      else if (message.walFrames !== undefined) options.onLargeWal();
    });
    this.worker.on('error', (error) => options.onFailure(error.message));
    this.worker.on('exit', (code) => {
      if (!this.exited && code !== 0) options.onFailure(`checkpoint worker exited with code ${code}`);
      this.exited = true;
    });
  }

  /** Runs a last checkpoint and ends the worker. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.exited = true;
    this.worker.postMessage('close');
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await gone;
    clearTimeout(timer);
  }
}
