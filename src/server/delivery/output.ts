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

/** Frames up to this many UTF-16 units are encoded without measuring them first (below); longer ones are measured. */
const UNMEASURED_MAX = 21_845; // 3 × 21,845 < 65,536: the payload length fits the 16-bit form
/** The scratch buffer frames are encoded into is kept between turns up to this size. */
const SCRATCH_KEPT = 1 << 20;
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The bytes of WebSocket text frames as a server sends them (RFC 6455 §5.2: unmasked, payload length in
 * 7, 7+16 or 7+64 bits), all in one buffer: the twin of ws's framing, which `ws` reads back exactly
 * (output.test.ts). Only for connections without permessage-deflate, which the server never offers.
 * ws's own `Sender.frame` makes two buffers per frame (a header and a copy of the text) that would then
 * be joined; measured against it (bench/frame-micro.ts), this one is faster, so it stays.
 *
 * A frame's UTF-8 length is known only once it is encoded, and measuring it first (Buffer.byteLength) cost
 * a pass over every frame as large as the encoding itself (bench/RESULTS.md, ninth session). A string of n
 * UTF-16 units is n to 3n bytes, so for all but the longest frames the header's size is known from n, or
 * (n < 126) guessed short and widened after the encoding by moving the payload two bytes on. The frames
 * are encoded into a scratch buffer large enough for 3n each, and the bytes copied out.
 */
export function encodeTextFrames(frames: readonly string[]): Buffer {
  let bound = 0;
  for (let i = 0; i < frames.length; i++) {
    const units = frames[i]!.length;
    bound += units <= UNMEASURED_MAX ? 3 * units + 4 : Buffer.byteLength(frames[i]!, 'utf8') + 10;
  }
  if (bound > scratch.length) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  const out = scratch;
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    out[at] = FIN_TEXT;
    if (frame.length <= UNMEASURED_MAX) {
      // At most 3 × 21,845 bytes: the 7-bit or the 16-bit form.
      const short = frame.length < 126;
      const length = out.write(frame, at + (short ? 2 : 4), 'utf8');
      if (length < 126) {
        out[at + 1] = length;
        at += 2 + length;
      } else {
        if (short) out.copyWithin(at + 4, at + 2, at + 2 + length);
        out[at + 1] = 126;
        out.writeUInt16BE(length, at + 2);
        at += 4 + length;
      }
    } else {
      const length = Buffer.byteLength(frame, 'utf8');
      if (length < 65_536) {
        out[at + 1] = 126;
        out.writeUInt16BE(length, at + 2);
        at += 4;
      } else {
        out[at + 1] = 127;
        out.writeBigUInt64BE(BigInt(length), at + 2);
        at += 10;
      }
      at += out.write(frame, at, length, 'utf8');
    }
  }
  const bytes = Buffer.allocUnsafe(at);
  out.copy(bytes, 0, 0, at);
  if (scratch.length > SCRATCH_KEPT) scratch = Buffer.allocUnsafe(SCRATCH_KEPT);
  return bytes;
}
