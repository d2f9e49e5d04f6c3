// Keeps the server able to answer at its open-file limit: sockets are counted against it, a reserve is kept, and it is logged once per interval.
import fs from 'node:fs';
import type { Socket } from 'node:net';
import type { Logger } from './log.js';

/** At most one log line per this interval while connections are refused; the count of the rest goes in the next line. */
const LOG_INTERVAL_MS = 10_000;
/** The descriptors in use are counted again (a directory read) at most this often, when the estimate says the limit is near. */
const RECOUNT_MS = 1_000;
/** The limit is read again at most this often (an operator may change it on the running process with prlimit). */
const LIMIT_READ_MS = 5_000;
/** Over-limit sockets get this long to send a request and read the 503 before they are dropped. */
const REFUSED_SOCKET_MS = 2_000;

/** The soft limit on open files from /proc/self/limits (Linux); null when unknown or unlimited. */
function openFileLimit(): number | null {
  try {
    const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = Number(line?.slice('Max open files'.length).trim().split(/\s+/)[0]);
    return Number.isInteger(soft) && soft > 0 ? soft : null;
  } catch {
    return null;
  }
}

/** Descriptors the process has open now (Linux); null elsewhere. */
function openFds(): number | null {
  try {
    return fs.readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

/**
 * Node accepts at the limit only to close the socket at once (libuv's spare-descriptor trick), so clients
 * see resets, /healthz cannot answer, and nothing says why. This guard counts open sockets plus the
 * descriptors the process held otherwise, and past `limit − reserve` marks new sockets refused: they get
 * 503 and are closed, the reserve keeps room to say so, and /healthz says 503 with the reason. Within the
 * last few descriptors a socket is dropped unanswered. Without /proc it only logs accept errors.
 */
export class FdGuard {
  private limit: number | null;
  private limitReadAt: number;
  private reserve = 0;
  private baseline: number;
  private sockets = 0;
  private readonly refusedSockets = new WeakSet<Socket>();
  private recountedAt = 0;
  private lastLogAt = -Infinity;
  /** Connections refused (or accepts failed) since the last log line. */
  private unlogged = 0;
  private refusing = false;

  constructor(
    private readonly log: Logger,
    private readonly readLimit: () => number | null = openFileLimit,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = this.setLimit();
    this.limitReadAt = now();
    this.baseline = openFds() ?? 0;
  }

  /** Reads the limit and sizes the reserve: 1 % of it, from 16 to 256 descriptors. */
  private setLimit(): number | null {
    this.limit = this.readLimit();
    this.reserve = this.limit === null ? 0 : Math.min(256, Math.max(16, Math.ceil(this.limit / 100)));
    return this.limit;
  }

  /** For the server's 'connection' event: counts the socket, and marks or drops it when the limit is near. */
  readonly accept = (socket: Socket): void => {
    this.sockets++;
    if (this.now() - this.limitReadAt >= LIMIT_READ_MS) {
      this.limitReadAt = this.now();
      this.setLimit();
    }
    socket.once('close', () => {
      this.sockets--;
      if (this.refusing && this.clearOfLimit()) this.recovered();
    });
    if (!this.nearLimit()) return;
    this.refused('connections refused at the open-file limit');
    if (this.limit !== null && this.inUse() >= this.limit - 4) {
      socket.destroy();
      return;
    }
    this.refusedSockets.add(socket);
    socket.setTimeout(REFUSED_SOCKET_MS, () => socket.destroy());
  };

  /** For the server's 'error' event after listening: EMFILE/ENFILE on accept is logged once per interval. */
  acceptError(error: NodeJS.ErrnoException): boolean {
    if (error.code !== 'EMFILE' && error.code !== 'ENFILE') return false;
    this.refused(`accepting connections failed: ${error.code === 'EMFILE' ? 'this process' : 'the system'} has too many open files`);
    return true;
  }

  /**
   * For TLS: requests arrive on the TLS socket, not the TCP one counted at accept; while refusing, the
   * TLS sockets opened then are refused too.
   */
  readonly acceptTls = (socket: Socket): void => {
    if (this.refusing) this.refusedSockets.add(socket);
  };

  /** True for a socket accepted past the reserve: answer it 503 and close it. */
  refuses(socket: Socket): boolean {
    return this.refusedSockets.has(socket);
  }

  /** Why /healthz should say 503, or null while under the limit. */
  pressure(): string | null {
    if (!this.refusing) return null;
    // Failed accepts close no socket of ours: a fresh count of the descriptors may show the pressure is over.
    this.recount();
    if (this.clearOfLimit()) {
      this.recovered();
      return null;
    }
    return `at the open-file limit (${this.limit ?? 'unknown'}): new connections are refused until some close`;
  }

  private inUse(): number {
    return this.baseline + this.sockets;
  }

  /** Whether the sockets reach into the reserve; near it, counts the real descriptors again (other files come and go). */
  private nearLimit(): boolean {
    if (this.limit === null) return false;
    const threshold = this.limit - this.reserve;
    if (this.inUse() < threshold) return false;
    this.recount();
    return this.inUse() >= threshold;
  }

  /** Half the reserve free again: leaving the refusing state needs that much, so a server at the edge does not flap. */
  private clearOfLimit(): boolean {
    return this.limit === null || this.inUse() < this.limit - this.reserve - Math.ceil(this.reserve / 2);
  }

  /** The descriptors besides our sockets, counted again at most once per RECOUNT_MS. */
  private recount(): void {
    if (this.now() - this.recountedAt < RECOUNT_MS) return;
    this.recountedAt = this.now();
    const fds = openFds();
    if (fds !== null) this.baseline = fds - this.sockets;
  }

  private refused(what: string): void {
    this.refusing = true;
    this.unlogged++;
    if (this.now() - this.lastLogAt < LOG_INTERVAL_MS) return;
    this.lastLogAt = this.now();
    this.log.warn({ limit: this.limit, sockets: this.sockets, refused: this.unlogged }, `${what}; raise the limit (ulimit -n, LimitNOFILE) or add capacity`);
    this.unlogged = 0;
  }

  private recovered(): void {
    this.refusing = false;
    this.log.warn({ limit: this.limit, sockets: this.sockets, refused: this.unlogged }, 'below the open-file limit again; accepting connections');
    this.unlogged = 0;
  }
}
