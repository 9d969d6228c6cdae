/**
 * The pump's read gap: when to read less often so that each read takes more commits (issue
 * 17). Pure state over the pump's reads, with every clock passed in, so tests drive it with
 * exact numbers.
 *
 * The signal is the hub's utilisation at the minimum gap: the share of wall time the pump
 * spends reading and delivering. It is the arrival rate times the wall time per row
 * (rows that arrived per ms × ms per row delivered), i.e. busy time ÷ time, measured over the
 * last LOAD_WINDOW_MS. Near 1 the pump reads back to back: rows are waiting at the end of
 * every delivery, and the queue does not shrink. Below it the pump sits idle between
 * reads, whatever the machine's load stretches each read to in wall time: a delivery that
 * other processes stretched from 5 to 30 ms at 20 changes/s is 60 % utilisation, not a
 * backlog (the earlier "rows waited 25 ms" rule widened there, and the wait its rest caused
 * looked like more backlog: p95 100-270 ms at 150-200 changes/s). A busy CPU is not the
 * test either: at fan-out 100 saturation on 2 shared cores the hub gets only 53-60 % of a
 * core, so a "thread on a CPU ≥ 80 %" test never fired there (73 % of the bare broadcast
 * instead of 92 %).
 *
 * Once widened, utilisation says nothing about the load any more: the gap it imposes is
 * most of the time between reads, so busy ÷ time is whatever the rest makes it. What the
 * gap does not change is the arrival rate (rows ÷ time is the same with any gap), so the
 * pump stays widened while arrivals stay at RELAX_ARRIVALS or more of the rate at which it
 * widened, and goes back to the minimum at once when they fall below (the backlog is
 * gone). Nothing a widened gap does can keep it widened: it cannot raise the arrival rate,
 * and WIDEN_HOLD_MS bounds any one widening, after which the pump measures again at the
 * minimum (the machine may have freed up, or each row may have become cheaper).
 */

/** Utilisation at the minimum gap (busy ÷ time over LOAD_WINDOW_MS) that widens the gap. */
export const SATURATED_UTILISATION = 0.9;

/**
 * Besides being saturated, the oldest row of the read must have waited this long for the
 * hub's previous read and delivery: back-to-back reads of a few ms cost little latency,
 * and widening them would add more than it saves.
 */
export const BACKLOG_MS = 25;

/** Widened, arrivals below this share of the rate at which the gap widened relax it. */
export const RELAX_ARRIVALS = 0.7;

/** A widening lasts at most this long; then the pump measures again at the minimum gap. */
export const WIDEN_HOLD_MS = 2_000;

/**
 * Time constant of the averages (utilisation, arrival rate); also how much time the pump
 * must have spent at the minimum gap, since it started or last relaxed, before it may widen:
 * the drain of a widened read's large batch is not a backlog.
 */
export const LOAD_WINDOW_MS = 200;

/** One read and its delivery, as the pump saw it. */
export type ReadSample = {
  /** When the read started (ms, any monotonic clock). */
  startedAt: number;
  /** Rows it handed to delivery. */
  rows: number;
  /** Wall time from the read's start to the end of its delivery. */
  busyMs: number;
  /** This thread's CPU time over the same span. */
  cpuMs: number;
  /** How long its oldest row had waited for the hub's previous work (see BACKLOG_MS). */
  backlogMs: number;
};

/** Exponentially decayed sums over the reads' periods (read start to next read start). */
class Load {
  busyMs = 0;
  periodMs = 0;
  rows = 0;
  /** Period time summed since the last reset, undecayed (the warm-up). */
  coveredMs = 0;

  /**
   * One period: from a read's start to the next read's start, the first read's busy time,
   * and the rows the second read found (they arrived during that period).
   */
  add(periodMs: number, busyMs: number, rows: number): void {
    if (periodMs <= 0) return;
    // A period longer than the window (an idle stretch) counts as one window of the same
    // mix, so it does not outweigh what follows for longer than a window.
    const counted = Math.min(periodMs, LOAD_WINDOW_MS);
    const scale = counted / periodMs;
    const keep = Math.exp(-counted / LOAD_WINDOW_MS);
    this.busyMs = this.busyMs * keep + Math.min(busyMs, periodMs) * scale;
    this.periodMs = this.periodMs * keep + counted;
    this.rows = this.rows * keep + rows * scale;
    this.coveredMs += periodMs;
  }

  get utilisation(): number {
    return this.periodMs > 0 ? this.busyMs / this.periodMs : 0;
  }

  /** Rows per ms. */
  get arrivals(): number {
    return this.periodMs > 0 ? this.rows / this.periodMs : 0;
  }
}

/**
 * Rest after a widened read: the read's wall time plus as long again as it cost in CPU, so
 * the hub spends at most about half of its time delivering, each read takes more commits,
 * and each socket gets more events per packet (outgoing.ts).
 */
const REST_PER_CPU_MS = 1;

export class ReadGap {
  private readonly minMs: number;
  private readonly maxMs: number;
  private load = new Load();
  private previous: ReadSample | null = null;
  /** While widened: when it widened, and the arrival rate (rows/ms) it widened at. */
  private widenedAt: number | null = null;
  private widenedArrivals = 0;

  constructor(minMs: number, maxMs: number) {
    this.minMs = minMs;
    this.maxMs = Math.max(minMs, maxMs);
  }

  get widened(): boolean {
    return this.widenedAt !== null;
  }

  /** Feeds one read; returns the gap before the next read, counted from this read's start. */
  next(read: ReadSample): number {
    const previous = this.previous;
    this.previous = read;
    if (previous) this.load.add(read.startedAt - previous.startedAt, previous.busyMs, read.rows);
    if (this.maxMs === this.minMs) return this.minMs;
    if (this.widenedAt === null) {
      if (
        this.load.coveredMs >= LOAD_WINDOW_MS &&
        this.load.utilisation >= SATURATED_UTILISATION &&
        read.backlogMs >= BACKLOG_MS
      ) {
        this.widenedAt = read.startedAt;
        this.widenedArrivals = this.load.arrivals;
      }
    } else if (
      this.load.arrivals < RELAX_ARRIVALS * this.widenedArrivals ||
      read.startedAt - this.widenedAt >= WIDEN_HOLD_MS
    ) {
      this.widenedAt = null;
      // Measure afresh at the minimum gap: the widened periods' utilisation was the rest's,
      // and the period after this read (its large batch draining) is not counted either.
      this.load = new Load();
      this.previous = null;
    }
    if (this.widenedAt === null) return this.minMs;
    return Math.min(this.maxMs, Math.max(this.minMs, read.busyMs + REST_PER_CPU_MS * read.cpuMs));
  }
}
