// Drains the outbox one entry at a time over the ready connection, so messages keep the order they were written in.
import { ParleyError, type ErrorCode } from '../errors.js';
import type { SendAck } from '../protocol.js';
import type { Connection } from './connection.js';
import { isPermanentSendError } from './outbox.js';
import type { OutboxEntry } from './state.js';

const RETRY_MS = 1_000;
/** The connection or session is gone: stop, the next catch-up starts the pump again. */
const STOP: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['DISCONNECTED', 'NOT_AUTHENTICATED', 'SESSION_INVALID']);

export interface PumpDeps {
  /** The authenticated, caught-up connection, or null. */
  connection(): Connection | null;
  /** The next entry to send, or undefined when nothing waits. */
  next(): OutboxEntry | undefined;
  acked(entry: OutboxEntry, ack: SendAck): void;
  failed(entry: OutboxEntry, error: ParleyError): void;
  /** The connection stopped answering: close it so the reconnect and resend start. */
  suspect(conn: Connection): void;
}

export class OutboxPump {
  #running = false;
  #wanted = false;
  #stopped = false;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly deps: PumpDeps) {}

  /** Starts draining, or makes a running drain look again once it finishes. */
  kick(): void {
    this.#wanted = true;
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void (async () => {
      try {
        while (this.#wanted && !this.#stopped) {
          this.#wanted = false;
          await this.#drain();
        }
      } finally {
        this.#running = false;
      }
    })();
  }

  /** For good (the client is exiting). */
  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const conn = this.deps.connection();
      const entry = this.deps.next();
      if (!conn?.isOpen || !entry || this.#stopped) return;
      try {
        const ack = await conn.request('send', { to: entry.to, clientMsgId: entry.clientMsgId, body: entry.body });
        this.deps.acked(entry, ack);
      } catch (error) {
        const failure = error instanceof ParleyError ? error : new ParleyError('INTERNAL', undefined, { cause: error });
        if (isPermanentSendError(failure.code)) {
          this.deps.failed(entry, failure);
          continue;
        }
        if (STOP.has(failure.code)) return;
        if (failure.code === 'TIMEOUT') {
          this.deps.suspect(conn);
          return;
        }
        // RATE_LIMITED, SERVER_BUSY, INTERNAL, SHUTTING_DOWN: the same clientMsgId is safe to send again.
        await this.#sleep(failure.retryAfterMs ?? RETRY_MS);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}
