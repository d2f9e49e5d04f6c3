// A sending client that outlives server crashes: an outbox resent after every reconnect, as the delivery model in docs/architecture.md asks.
import WebSocket from 'ws';
import type { AckedMessage } from './checker.js';

interface OutboxItem {
  to: string;
  clientMsgId: string;
  body: string;
}

interface OutboxOptions {
  /** Several URLs (the nodes of a cluster): each reconnect tries the next one, as a client behind a load balancer may land anywhere. */
  url: string | readonly string[];
  username: string;
  /** A session token (from register or login): reconnects resume it without hashing a password again. */
  token: string;
  /** Sends in flight at once. */
  window?: number;
  /**
   * After each reconnect, resend this many already-acked messages, as a client that crashed before
   * recording their acks would: the server must answer with the original seq and store nothing new.
   */
  replayAcked?: number;
}

interface Reply {
  type: string;
  id?: number | null;
  code?: string;
  retryAfterMs?: number;
  result?: { clientMsgId: string; conversationId: number; seq: number };
}

/** Pipelines sends through one connection at a time; on any disconnect, reconnects, resumes and resends. */
export class OutboxClient {
  /** Every ack received, resends' acks included (the checker compares them). */
  readonly acks: AckedMessage[] = [];
  reconnects = 0;
  /** Error codes received for sends (RATE_LIMITED, INTERNAL…); such sends are retried. */
  readonly errors = new Map<string, number>();
  private readonly pending: OutboxItem[] = [];
  private readonly acked = new Set<string>();
  private readonly ackedItems: OutboxItem[] = [];
  private socket: WebSocket | null = null;
  private inFlight = new Map<number, OutboxItem>();
  private inFlightIds = new Set<string>();
  private nextId = 1;
  /** Connection attempts so far: picks the URL of the next one. */
  private attempts = 0;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private readonly window: number;

  constructor(private readonly options: OutboxOptions) {
    this.window = options.window ?? 32;
  }

  get unacked(): number {
    return this.pending.length;
  }

  /** Distinct messages acked so far. */
  get ackedCount(): number {
    return this.acked.size;
  }

  enqueue(item: OutboxItem): void {
    this.pending.push(item);
    this.pump();
  }

  start(): void {
    void this.connectLoop();
  }

  /** Resolves when every enqueued message has been acked. */
  idle(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.socket?.terminate();
  }

  private async connectLoop(): Promise<void> {
    let first = true;
    while (!this.stopped) {
      const socket = await this.open();
      if (!socket) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      if (!first) this.reconnects++;
      first = false;
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      this.socket = null;
    }
  }

  /** Connects, says hello, resumes the session; null when the server is not (yet) there. */
  private open(): Promise<WebSocket | null> {
    return new Promise((resolve) => {
      const urls = typeof this.options.url === 'string' ? [this.options.url] : this.options.url;
      const socket = new WebSocket(urls[this.attempts++ % urls.length]!);
      let ready = false;
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (!ready) resolve(null);
      });
      socket.once('open', () => {
        socket.send(JSON.stringify({ type: 'hello', id: 0, versions: [1] }));
        socket.send(JSON.stringify({ type: 'resume', id: 0, token: this.options.token }));
      });
      let handshake = 0;
      socket.on('message', (data) => {
        const reply = JSON.parse(data.toString()) as Reply;
        if (!ready) {
          if (reply.type === 'error') return socket.terminate();
          if (reply.type === 'ok' && ++handshake === 2) {
            ready = true;
            this.attach(socket);
            resolve(socket);
          }
          return;
        }
        this.onReply(reply);
      });
    });
  }

  private attach(socket: WebSocket): void {
    this.socket = socket;
    this.inFlight = new Map();
    this.inFlightIds = new Set();
    socket.once('close', () => {
      if (this.socket === socket) this.socket = null;
    });
    if (this.reconnects > 0 || this.ackedItems.length > 0) {
      for (const item of this.ackedItems.slice(-(this.options.replayAcked ?? 0))) this.transmit(item);
    }
    this.pump();
  }

  private transmit(item: OutboxItem): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const id = this.nextId++;
    this.inFlight.set(id, item);
    this.inFlightIds.add(item.clientMsgId);
    socket.send(JSON.stringify({ type: 'send', id, ...item }));
  }

  private pump(): void {
    if (!this.socket) return;
    for (const item of this.pending) {
      if (this.inFlight.size >= this.window) break;
      if (!this.inFlightIds.has(item.clientMsgId)) this.transmit(item);
    }
  }

  private onReply(reply: Reply): void {
    if (reply.type !== 'ok' && reply.type !== 'error') return;
    if (typeof reply.id !== 'number') return;
    const item = this.inFlight.get(reply.id);
    if (!item) return;
    this.inFlight.delete(reply.id);
    this.inFlightIds.delete(item.clientMsgId);
    if (reply.type === 'error') {
      this.errors.set(reply.code ?? '?', (this.errors.get(reply.code ?? '?') ?? 0) + 1);
      // Retry after the server's hint (or a moment), on whatever connection is open then.
      setTimeout(() => this.pump(), reply.retryAfterMs ?? 20);
      return;
    }
    const ack = reply.result!;
    this.acks.push({ from: this.options.username, clientMsgId: ack.clientMsgId, conversationId: ack.conversationId, seq: ack.seq });
    if (!this.acked.has(item.clientMsgId)) {
      this.acked.add(item.clientMsgId);
      this.ackedItems.push(item);
      const index = this.pending.findIndex((p) => p.clientMsgId === item.clientMsgId);
      if (index >= 0) this.pending.splice(index, 1);
    }
    if (this.pending.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    this.pump();
  }
}
