// Write batching: sockets written to during one turn stay corked until the turn's work is done, then leave in one write each.
import type { Socket } from 'node:net';

/**
 * A group commit acks and pushes hundreds of frames from promise callbacks in one turn; without
 * corking each frame is its own writev system call. The uncork runs on process.nextTick, which
 * Node runs only after the promise callbacks queued in the turn (and those they queue) are done.
 */
export class OutputBatcher {
  private held: Socket[] = [];
  private scheduled = false;
  private readonly release = (): void => {
    const held = this.held;
    this.held = [];
    this.scheduled = false;
    for (let i = 0; i < held.length; i++) held[i]!.uncork();
  };

  /** Call before writing; corks the socket for the rest of the turn unless it already is. */
  hold(socket: Socket): void {
    if (socket.writableCorked > 0) return;
    socket.cork();
    this.held.push(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.release);
    }
  }
}
