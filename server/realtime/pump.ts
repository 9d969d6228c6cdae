import type { DatabasePool } from "slonik";
import { comparePositions, type Position } from "../../shared/realtime/cursor.ts";
import { type OutboxRow, outboxHead, positionOf, readOutboxAfter } from "../db/realtime-events.ts";
import { logger } from "../logger.ts";
import { outboxBacklogReads, outboxHeldReads, outboxReads, outboxRowsRead } from "../metrics.ts";
import { ReadGap } from "./read-gap.ts";

const log = logger.child({ component: "realtime-pump" });

const STALL_MS = 50;
/** Socket deliveries between two yields to the event loop (see deliverInSlices). */
const DELIVERY_BUDGET = 20_000;

/** Hands one row to this node's sockets; returns how many sockets it went to. */
type Deliver = (row: OutboxRow) => number;

type PumpOptions = {
  batchSize?: number;
  safetyIntervalMs?: number;
  minGapMs?: number;
  /**
   * Upper bound of the read gap while the hub is saturated (read-gap.ts). Equal to minGapMs:
   * a fixed gap.
   */
  maxGapMs?: number;
  /** Socket deliveries between two yields to the event loop (tests make it small). */
  deliveryBudget?: number;
  /** Select each row's commit time (only when the server has track_commit_timestamp on). */
  commitTimes?: () => boolean;
  /**
   * Called at the end of every slice, before the pump yields or waits: delivery sends what
   * the slice's rows handed it (outgoing.ts), so nothing else can run between them.
   */
  endOfSlice?: () => void;
  /**
   * This thread's CPU time in ms (default `process.threadCpuUsage()`), for the rest after a
   * widened read (read-gap.ts); tests substitute a clock.
   */
  threadCpuMs?: () => number;
};

const realThreadCpuMs = (): number => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1_000;
};

/**
 * Reads the outbox in (xid, id) order from this process's position and hands each batch to
 * `deliver`. Woken by NOTIFY, by every listener reconnect, and by a periodic safety timer
 * (a lost NOTIFY delays an event by at most that interval, never loses it). When committed
 * rows wait behind an older open transaction, it polls quickly until they are released,
 * because that transaction's commit may not NOTIFY.
 *
 * A fresh process starts at the current head: clients recover anything older through
 * subscribe-with-since, which reads the same table.
 *
 * Reads start at least `minGapMs` apart (REALTIME_READ_GAP_MS, default 4). Under a stream of
 * commits every NOTIFY would otherwise cost one read of about one row; waiting a few ms lets
 * one read take all the commits of that window, which cuts the reads (Postgres and hub CPU)
 * at hundreds of changes a second and adds nothing when changes are further apart than that.
 *
 * Under load a read takes every commit since the previous one, so rows per read grow with the
 * backlog by themselves. Only when the hub is saturated (it reads back to back at the minimum
 * gap and rows wait for it: read-gap.ts) does the gap grow, by a rest as long as each read and
 * delivery cost in CPU, up to `maxGapMs` (REALTIME_READ_GAP_MAX_MS, default 100): each read
 * then takes more commits, so each socket gets more events per slice, in one `events` packet
 * (outgoing.ts) and one TCP write, and delivery gets cheaper per event exactly when the hub
 * cannot keep up. It returns to the minimum when the arrival rate falls (read-gap.ts).
 */
export class Pump {
  position: Position = { xid: 0n, id: 0n };
  private running = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  private blockedDelay = 2;
  /**
   * Under steady writes some row is nearly always behind an open transaction that will
   * commit within a millisecond, so the cheap xmin test suffices. Only when it stops making
   * progress for STALL_MS (a long transaction, possibly in another database) does the pump
   * switch to the per-database horizon, until a read finds nothing held back.
   */
  private refine = false;
  /**
   * The last refined read showed another database's transaction holding xmin down: the next
   * read skips the cheap test, which would only find the new rows held back again.
   */
  private foreignHold = false;
  private stalledSince: number | null = null;
  private readonly db: DatabasePool;
  private readonly deliver: Deliver;
  private readonly batchSize: number;
  private readonly safetyIntervalMs: number;
  private readonly minGapMs: number;
  private readonly maxGapMs: number;
  /** The gap before the next read, from the reads so far (readGap). */
  private gapMs: number;
  private readonly readGap: ReadGap;
  private readonly deliveryBudget: number;
  private readonly commitTimes: () => boolean;
  private readonly endOfSlice: () => void;
  private readonly threadCpuMs: () => number;
  private lastReadAt = Number.NEGATIVE_INFINITY;
  /** When the last delivery of rows ended: from then until the next read the pump was idle. */
  private lastDeliveredAt = Number.NEGATIVE_INFINITY;
  private gapTimer: NodeJS.Timeout | null = null;
  private idle: Promise<void> = Promise.resolve();

  constructor(db: DatabasePool, deliver: Deliver, options: PumpOptions = {}) {
    this.db = db;
    this.deliver = deliver;
    this.batchSize = options.batchSize ?? 1_000;
    this.safetyIntervalMs = options.safetyIntervalMs ?? 1_000;
    this.minGapMs = options.minGapMs ?? 4;
    this.maxGapMs = Math.max(this.minGapMs, options.maxGapMs ?? this.minGapMs);
    this.gapMs = this.minGapMs;
    this.readGap = new ReadGap(this.minGapMs, this.maxGapMs);
    this.deliveryBudget = options.deliveryBudget ?? DELIVERY_BUDGET;
    this.commitTimes = options.commitTimes ?? (() => false);
    this.endOfSlice = options.endOfSlice ?? (() => {});
    this.threadCpuMs = options.threadCpuMs ?? realThreadCpuMs;
  }

  async start(): Promise<void> {
    this.position = await outboxHead(this.db);
    this.timer = setInterval(() => this.wake(), this.safetyIntervalMs);
    this.timer.unref();
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.gapLeft();
    if (wait > 0) {
      this.gapTimer ??= setTimeout(() => {
        this.gapTimer = null;
        this.wake();
      }, wait);
      return;
    }
    this.running = true;
    this.idle = this.run().finally(() => {
      this.running = false;
    });
  }

  private async run(): Promise<void> {
    let blocked = false;
    do {
      this.again = false;
      const wait = this.gapLeft();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        for (;;) {
          const start = performance.now();
          const cpuAtStart = this.threadCpuMs();
          const idleMs = start - this.lastDeliveredAt;
          this.lastReadAt = start;
          const batch = await readOutboxAfter(
            this.db,
            this.position,
            this.batchSize,
            this.refine,
            this.commitTimes(),
            this.foreignHold,
          );
          outboxReads.inc();
          outboxRowsRead.inc(batch.ready.length);
          blocked = batch.blocked;
          if (blocked) outboxHeldReads.inc();
          // A read that found no rows at all says nothing about the horizon: it must not
          // switch refine mode off (a safety-timer read between two changes did, and while
          // another database held xmin, every next change stalled STALL_MS again).
          if (batch.seen) this.trackStall(batch.blocked, batch.ready.length > 0, batch.foreignHold);
          await this.deliverInSlices(batch.ready);
          const end = performance.now();
          // The oldest row's wait since commit, less the time the pump sat idle before this
          // read: what it waited for the hub's own previous read and delivery. A read that
          // found nothing to deliver (rows held back by another transaction) is no work of
          // the hub's: the idle time runs on through it.
          const backlogMs = (batch.waitedMs ?? Number.NEGATIVE_INFINITY) - idleMs;
          if (batch.ready.length > 0) this.lastDeliveredAt = end;
          this.gapMs = this.readGap.next({
            startedAt: start,
            rows: batch.ready.length,
            busyMs: end - start,
            cpuMs: this.threadCpuMs() - cpuAtStart,
            backlogMs,
          });
          if (this.readGap.widened) outboxBacklogReads.inc();
          if (!batch.full || this.stopped) break;
        }
      } catch (err) {
        // Database unavailable: the safety timer tries again; nothing is lost.
        log.warn({ err: (err as Error).message }, "pump read failed");
        return;
      }
    } while (this.again && !this.stopped);
    this.scheduleBlockedRetry(blocked);
  }

  /** Milliseconds until the next read may start (the current gap after the last one began). */
  private gapLeft(): number {
    return this.lastReadAt + this.gapMs - performance.now();
  }

  /** The gap now in force (tests and metrics). */
  get readGapMs(): number {
    return this.gapMs;
  }

  /**
   * Hands rows to delivery one at a time and yields to the event loop after every
   * `deliveryBudget` socket deliveries (default 20,000): a hub catching up (1,000 rows at
   * fan-out 1,000 is a million emits) keeps flushing sockets and answering requests instead
   * of blocking for seconds. The budget counts deliveries, not rows, so a slice is the same
   * amount of work at any fan-out: at fan-out 100, slices of 20 rows gave each socket about
   * one message per slice, and a hub behind by a few hundred rows delivered a third fewer
   * messages a second than with slices of 200 (docs/realtime.md, Performance notes).
   * `position` moves after every row, so it always names exactly what has been handed out
   * (replays rely on that to skip rows already sent live); `endOfSlice` sends it before
   * anything else can run.
   */
  private async deliverInSlices(rows: OutboxRow[]): Promise<void> {
    let budget = this.deliveryBudget;
    for (const row of rows) {
      if (budget <= 0) {
        this.endOfSlice();
        await new Promise((r) => setImmediate(r));
        if (this.stopped) return;
        budget = this.deliveryBudget;
      }
      const next = positionOf(row);
      // Defensive: the order is total, a batch can never move backwards.
      if (comparePositions(next, this.position) <= 0) continue;
      // A row nobody here watches still costs its read and routing: count it as one.
      budget -= Math.max(1, this.deliver(row));
      this.position = next;
    }
    this.endOfSlice();
  }

  /**
   * Switches to the per-database horizon after STALL_MS without progress, and back to the
   * cheap test once a read finds nothing held back. While a refined read shows another
   * database's transaction holding the cluster-wide xmin down (`foreignHold`), it stays
   * refined: the cheap test would hold every new row back again, and each switch back cost
   * another STALL_MS stall, so every event waited 50 ms or more for as long as any other
   * database had a transaction open (a shared server, or other test runs on the machine).
   * Meanwhile each read is the refined one alone, one statement instead of two (the cheap
   * test would only find every new row held back).
   */
  private trackStall(blocked: boolean, progressed: boolean, foreignHold: boolean): void {
    this.foreignHold = foreignHold;
    if (foreignHold) {
      this.stalledSince = null;
      return;
    }
    if (!blocked) {
      this.refine = false;
      this.stalledSince = null;
    } else if (progressed) {
      this.stalledSince = null;
    } else {
      this.stalledSince ??= Date.now();
      if (Date.now() - this.stalledSince >= STALL_MS) this.refine = true;
    }
  }

  private scheduleBlockedRetry(blocked: boolean): void {
    if (!blocked) {
      this.blockedDelay = 2;
      return;
    }
    if (this.retry || this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      this.wake();
    }, this.blockedDelay);
    this.blockedDelay = Math.min(this.blockedDelay * 2, 100);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retry) clearTimeout(this.retry);
    if (this.gapTimer) clearTimeout(this.gapTimer);
    await this.idle.catch(() => {});
  }
}
