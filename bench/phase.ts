// The sending phase of a load run, shared by the 1:1 and the group generators: when sending stops, when the
// last answer is in (or the drain time is up), the generator's own CPU meanwhile, and the open loop's pacing.

/** What every load run reports beside its own counts: how the run itself went. */
export interface PhaseOutcome {
  /** First send to the last delivery. */
  seconds: number;
  sendSeconds: number;
  /** Open loop: the rate actually offered (0 for a closed loop). */
  offeredRate: number;
  /** Error replies by code. */
  errors: Record<string, number>;
  /** Acks whose clientMsgId was not the one sent under that request id. */
  ackMismatches: number;
  otherEvents: number;
  closedConnections: number;
  drainTimedOut: boolean;
  /** Open loop only: the server fell so far behind that the run stopped sending. */
  fellBehind: boolean;
  generatorCpuPercent: number;
  /** The kernel's share of it: on loopback the sender's system calls also do the receiver's TCP work. */
  generatorSystemPercent: number;
}

/** A phase's callbacks: when the load starts, when sending stops, and a progress line each second. */
export interface PhaseHooks<P> {
  onStart?: () => void;
  onSendingDone?: () => void;
  onProgress?: (p: P) => void;
}

export class SendPhase {
  sending = true;
  firstSendAt = 0;
  sendingDoneAt = 0;
  drainTimedOut = false;
  private cpuBefore = process.cpuUsage();
  private cpuWhileSending: NodeJS.CpuUsage | null = null;
  private finish: () => void = () => {};
  private readonly done = new Promise<void>((resolve) => (this.finish = resolve));
  private markStopped: () => void = () => {};
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));

  /** `settled`: every message sent has its answer and its deliveries; `onSendingDone` runs once when sending stops. */
  constructor(
    private readonly settled: () => boolean,
    private readonly onSendingDone?: () => void,
  ) {}

  start(): void {
    this.firstSendAt = performance.now();
    this.cpuBefore = process.cpuUsage();
  }

  /** After sending stopped: finishes the phase once everything is settled. */
  checkDone(): void {
    if (!this.sending && this.settled()) this.finish();
  }

  readonly stop = (): void => {
    if (!this.sending) return;
    this.sending = false;
    this.sendingDoneAt = performance.now();
    this.cpuWhileSending = process.cpuUsage(this.cpuBefore);
    this.onSendingDone?.();
    this.markStopped();
    this.checkDone();
  };

  /** Resolves when sending stopped and everything settled, or `drainSec` after sending stopped (drainTimedOut). */
  async finished(drainSec: number): Promise<void> {
    await this.stopped;
    this.checkDone();
    let drainTimer: NodeJS.Timeout | null = null;
    const drained = new Promise<void>((resolve) => {
      drainTimer = setTimeout(() => {
        this.drainTimedOut = true;
        resolve();
      }, drainSec * 1000);
    });
    await Promise.race([this.done, drained]);
    if (drainTimer !== null) clearTimeout(drainTimer);
  }

  /** Sending time in ms (to `end` if sending has not stopped). */
  sendMs(end: number): number {
    return Math.max(1, (this.sendingDoneAt || end) - this.firstSendAt);
  }

  /** The generator's CPU over the sending phase only (the drain that follows is mostly waiting), % of a core. */
  generatorCpu(end: number): { percent: number; systemPercent: number } {
    const cpu = this.cpuWhileSending ?? process.cpuUsage(this.cpuBefore);
    const ms = this.sendMs(end);
    return { percent: (100 * (cpu.user + cpu.system)) / 1000 / ms, systemPercent: (100 * cpu.system) / 1000 / ms };
  }
}

/**
 * Open loop: every millisecond, sends whatever the schedule at `rate` per second says is due (at most
 * `budget()` more), and stops the phase when the budget is spent or `behind()` says the server fell too far
 * behind. Returns a function that cancels the timer and the number offered so far.
 */
export function openLoop(
  phase: SendPhase,
  rate: number,
  sendNext: () => void,
  budget: { left: number },
  behind: () => boolean,
): { cancel: () => void; offered: () => number; fellBehind: () => boolean } {
  let offered = 0;
  let fellBehind = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = (): void => {
    if (!phase.sending) return;
    let due = Math.min(budget.left, Math.floor(((performance.now() - phase.firstSendAt) * rate) / 1000) - offered);
    for (; due > 0; due--) {
      sendNext();
      offered++;
      budget.left--;
    }
    if (budget.left <= 0) return phase.stop();
    if (behind()) {
      fellBehind = true;
      return phase.stop();
    }
    timer = setTimeout(tick, 1);
  };
  tick();
  return { cancel: () => timer !== null && clearTimeout(timer), offered: () => offered, fellBehind: () => fellBehind };
}
