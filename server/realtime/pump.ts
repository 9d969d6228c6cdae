import type { DatabasePool } from "slonik";
import { comparePositions, type Position } from "../../shared/realtime/cursor.ts";
import { type OutboxRow, outboxHead, positionOf, readOutboxAfter } from "../db/realtime-events.ts";
import { logger } from "../logger.ts";
import { outboxReads, outboxRowsRead } from "../metrics.ts";

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
   * Upper bound of the read gap under load: the gap after a read is twice as long as that
   * read and its delivery took, between minGapMs and this (see Pump). Equal to minGapMs:
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
};

/**
 * The gap after a read, per ms that the read and its delivery took. At 2 the hub spends at
 * most a third of its time delivering before it waits longer: below that the gap settles
 * back to the minimum, above it grows to the maximum (each read then takes more commits,
 * and its delivery costs less per event). Measured at fan-out 100, 2,000 sockets, on the
 * 2-core bench machine: with 1 the gap never grew far enough to lift saturation (72k msgs/s,
 * inside the fixed gap's 55-83k); 2 and 3 reached 98-111k. With 2 the gap stays at the
 * minimum up to 200 changes/s (100 sockets each) and grows from about 300/s; 3 starts
 * earlier, at a quarter of the hub's time (docs/realtime.md, Performance notes).
 */
const GAP_PER_BUSY = 2;

/** The gap after a read that took `busyMs` (read plus delivery), within [min, max]. */
export function boundedGap(busyMs: number, minGapMs: number, maxGapMs: number): number {
  return Math.min(maxGapMs, Math.max(minGapMs, GAP_PER_BUSY * busyMs));
}

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
 * Under load the gap follows the work: after a read that took D ms with its delivery the next
 * read waits 2·D ms (at most `maxGapMs`, REALTIME_READ_GAP_MAX_MS, default 100). While
 * delivery is quick (a few sockets per event, or few events) nothing changes; once the hub
 * spends more than a third of its time delivering, each read takes more commits, so each
 * socket gets more events per slice, in one `events` packet (outgoing.ts) and one TCP
 * write: delivery gets cheaper per event exactly when the hub is short of CPU, at the price
 * of up to maxGapMs more latency while it is (docs/realtime.md, Performance notes).
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
  private stalledSince: number | null = null;
  private readonly db: DatabasePool;
  private readonly deliver: Deliver;
  private readonly batchSize: number;
  private readonly safetyIntervalMs: number;
  private readonly minGapMs: number;
  private readonly maxGapMs: number;
  /** The gap before the next read, from how long the last read and its delivery took. */
  private gapMs: number;
  private readonly deliveryBudget: number;
  private readonly commitTimes: () => boolean;
  private readonly endOfSlice: () => void;
  private lastReadAt = Number.NEGATIVE_INFINITY;
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
    this.deliveryBudget = options.deliveryBudget ?? DELIVERY_BUDGET;
    this.commitTimes = options.commitTimes ?? (() => false);
    this.endOfSlice = options.endOfSlice ?? (() => {});
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
          this.lastReadAt = performance.now();
          const batch = await readOutboxAfter(
            this.db,
            this.position,
            this.batchSize,
            this.refine,
            this.commitTimes(),
          );
          outboxReads.inc();
          outboxRowsRead.inc(batch.ready.length);
          blocked = batch.blocked;
          this.trackStall(batch.blocked, batch.ready.length > 0);
          await this.deliverInSlices(batch.ready);
          this.gapMs = boundedGap(
            performance.now() - this.lastReadAt,
            this.minGapMs,
            this.maxGapMs,
          );
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

  private trackStall(blocked: boolean, progressed: boolean): void {
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
