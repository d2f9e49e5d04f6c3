// One benchmark WebSocket connection: promise-based requests while setting up; under load either an ordinary ws client or raw corked writes.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { ServerFrame } from '../src/shared/protocol.js';
import type { ClientStyle } from './args.js';

/** Ids below this are for set-up requests; load frames use their own ids above it. */
export const SETUP_ID_LIMIT = 1_000;

export class RequestFailed extends Error {
  override readonly name = 'RequestFailed';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Collects the connections written to during one turn of the event loop and uncorks them
 * together afterwards, so each socket gets one write per turn however many frames it carries.
 */
export class WriteBatcher {
  private queue: BenchConnection[] = [];
  private scheduled = false;
  private readonly flush = (): void => {
    const queue = this.queue;
    this.queue = [];
    this.scheduled = false;
    for (let i = 0; i < queue.length; i++) queue[i]!.endTurn();
  };

  add(conn: BenchConnection): void {
    this.queue.push(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
  }
}

// Client frames must carry a mask; an all-zero one lets ws skip XOR-ing every payload byte.
const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class BenchConnection {
  /** Frames that answer no set-up request: acks of load messages and pushed events. */
  sink: ((frame: ServerFrame) => void) | null = null;
  /** Tried before JSON.parse on every frame; returns true when it handled the frame. */
  rawSink: ((data: Buffer) => boolean) | null = null;
  closeCode: number | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private socket: Socket | null = null;
  private corked = false;

  private constructor(
    readonly ws: WebSocket,
    private readonly batcher: WriteBatcher | null,
  ) {
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('close', (code: number) => {
      this.closeCode = code;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new RequestFailed('CLOSED', `connection closed (${code})`));
      }
      this.pending.clear();
    });
    ws.on('error', () => {
      // 'close' follows and reports it.
    });
  }

  /**
   * An 'independent' connection is a plain ws client as browsers and the SDK are (random masks, UTF-8
   * checked); a 'batched' one masks with zeros and skips the UTF-8 check, and may join a WriteBatcher.
   */
  static open(url: string, batcher: WriteBatcher | null, style: ClientStyle = 'batched', timeoutMs = 10_000): Promise<BenchConnection> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        ...(style === 'batched' ? { skipUTF8Validation: true, generateMask: zeroMask } : {}),
        maxPayload: 1 << 20,
        handshakeTimeout: timeoutMs,
      });
      const conn = new BenchConnection(ws, batcher);
      const fail = (error: Error): void => reject(error);
      ws.once('error', fail);
      ws.once('open', () => {
        ws.off('error', fail);
        // ws keeps the socket private; corking it is the only way to batch frames into one write.
        const socket = (ws as unknown as { _socket?: Socket })._socket;
        conn.socket = socket && typeof socket.cork === 'function' ? socket : null;
        resolve(conn);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  request(type: string, fields: Record<string, unknown>, timeoutMs = 30_000): Promise<unknown> {
    const id = this.nextId++;
    if (id >= SETUP_ID_LIMIT) throw new Error('too many set-up requests on one connection');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestFailed('TIMEOUT', `no reply to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  /** Sends a pre-serialised frame; frames sent in the same turn leave in one socket write. */
  write(frame: string): void {
    if (!this.corked && this.batcher !== null && this.socket !== null) {
      this.corked = true;
      this.socket.cork();
      this.batcher.add(this);
    }
    this.ws.send(frame);
  }

  /** Called by the batcher after the turn: the frames written since leave together. */
  endTurn(): void {
    this.corked = false;
    this.socket?.uncork();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }

  private onMessage(data: Buffer): void {
    if (this.rawSink !== null && this.rawSink(data)) return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data.toString()) as ServerFrame;
    } catch {
      this.sink?.({ type: 'error', id: null, code: 'INVALID_FRAME', message: 'the server sent invalid JSON' });
      return;
    }
    if ((frame.type === 'ok' || frame.type === 'error') && this.pending.size > 0 && frame.id !== null) {
      const p = this.pending.get(frame.id);
      if (p !== undefined) {
        this.pending.delete(frame.id);
        clearTimeout(p.timer);
        if (frame.type === 'ok') p.resolve(frame.result);
        else p.reject(new RequestFailed(frame.code, frame.message));
        return;
      }
    }
    this.sink?.(frame);
  }
}
