// Write batching: what a connection is sent during one turn leaves in one buffer and one socket write when the turn's work is done.

/** A connection that queues its frames during a turn and writes them all in flushOutput(). */
export interface OutputTarget {
  flushOutput(): void;
}

/**
 * A group commit acks and pushes hundreds of frames from callbacks in one turn. Handed to `ws` one by
 * one, each frame would be a header buffer, two stream writes and a string for the kernel to copy;
 * queued per connection and encoded together it is one buffer and one write per socket. The flush runs
 * on process.nextTick, which Node runs only after the promise callbacks queued in the turn (and those
 * they queue) are done.
 */
export class OutputBatcher {
  private held: OutputTarget[] = [];
  private scheduled = false;
  private readonly release = (): void => {
    const held = this.held;
    this.held = [];
    this.scheduled = false;
    for (let i = 0; i < held.length; i++) held[i]!.flushOutput();
  };

  /** Call when a target queues its first frame of the turn: its flushOutput runs once, at the turn's end. */
  hold(target: OutputTarget): void {
    this.held.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.release);
    }
  }
}

/** FIN and the text opcode: every frame the server sends is one whole, unfragmented text message. */
const FIN_TEXT = 0x81;

/**
 * The bytes of WebSocket text frames as a server sends them (RFC 6455 §5.2: unmasked, payload length in
 * 7, 7+16 or 7+64 bits), all in one buffer: the twin of ws's framing, which `ws` reads back exactly
 * (output.test.ts). Only for connections without permessage-deflate, which the server never offers.
 * ws's own `Sender.frame` makes two buffers per frame (a header and a copy of the text) that would then
 * be joined; measured against it (bench/frame-micro.ts), this one is faster, so it stays.
 */
export function encodeTextFrames(frames: readonly string[]): Buffer {
  const lengths = new Array<number>(frames.length);
  let total = 0;
  for (let i = 0; i < frames.length; i++) {
    const length = Buffer.byteLength(frames[i]!, 'utf8');
    lengths[i] = length;
    total += length + (length < 126 ? 2 : length < 65_536 ? 4 : 10);
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const length = lengths[i]!;
    out[at++] = FIN_TEXT;
    if (length < 126) {
      out[at++] = length;
    } else if (length < 65_536) {
      out[at++] = 126;
      at = out.writeUInt16BE(length, at);
    } else {
      out[at++] = 127;
      at = out.writeBigUInt64BE(BigInt(length), at);
    }
    at += out.write(frames[i]!, at, length, 'utf8');
  }
  return out;
}
