import pg from "pg";
import { sql } from "slonik";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDatabasePool } from "../server/db/pool.ts";
import {
  OutboxRow,
  outboxHead,
  readOutboxAfter,
  readTopicPage,
  TRUSTED_ROWS,
} from "../server/db/realtime-events.ts";
import { Pump } from "../server/realtime/pump.ts";
import type { Position } from "../shared/realtime/cursor.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildWorld, sleep, waitFor } from "./helpers/realtime.ts";
import { api, testServer } from "./helpers/runtime.ts";

/**
 * The capture triggers (generated per table by migrations/0056 from each stream's
 * declaration): their column formats are fixed when they are generated, so they must stay
 * in step with the tables, and the event data they write must have the REST API's shapes.
 * And the pump that reads the outbox coalesces wake-ups.
 */
const server = await testServer();
const db = server.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;

beforeAll(async () => {
  world = await buildWorld(db);
});

describe("capture trigger", () => {
  it("each stream's generated capture reformats exactly the table's current numeric and timestamptz columns", async () => {
    const rows = await db.any(
      sql.type(
        z.object({
          table: z.string(),
          numeric: z.array(z.string()),
          timestamptz: z.array(z.string()),
        }),
      )`
        SELECT s.table_name AS table, s.numeric_columns AS numeric,
               s.timestamptz_columns AS timestamptz
          FROM realtime_streams s ORDER BY s.table_name`,
    );
    const current = await db.any(
      sql.type(
        z.object({
          table: z.string(),
          numeric: z.array(z.string()),
          timestamptz: z.array(z.string()),
        }),
      )`
        SELECT s.table_name AS table,
               coalesce(array_agg(a.attname::text ORDER BY a.attnum)
                          FILTER (WHERE a.atttypid = 'numeric'::regtype), '{}') AS numeric,
               coalesce(array_agg(a.attname::text ORDER BY a.attnum)
                          FILTER (WHERE a.atttypid = 'timestamptz'::regtype), '{}') AS timestamptz
          FROM realtime_streams s
          JOIN pg_attribute a ON a.attrelid = s.table_name::regclass AND a.attnum > 0
                             AND NOT a.attisdropped
         GROUP BY s.table_name ORDER BY s.table_name`,
    );
    expect(rows.length).toBeGreaterThan(0);
    // A migration that changes a streamed table's columns must call
    // realtime_stream_refresh('<table>') again.
    expect(rows).toEqual(current);
    expect(rows.find((r) => r.table === "work_orders")?.numeric).toContain("labor_cost");
  });

  it("a declaration naming a column the table lacks is refused when it is made", async () => {
    // As the owner (who runs migrations), inside a transaction that is rolled back.
    const owner = new pg.Client({ connectionString: process.env.MIGRATION_DATABASE_URL });
    await owner.connect();
    try {
      for (const call of [
        "SELECT realtime_stream('work_orders', 'work_order', topics => ARRAY['site:no_such_column'])",
        "SELECT realtime_stream('work_orders', 'work_order', organization => 'site:nope', topics => ARRAY['org'])",
        "SELECT realtime_stream('messages', 'message', topics => ARRAY['user:user_id'])",
        "SELECT realtime_stream('messages', 'message', topics => ARRAY['user:sender_id'], updates => ARRAY['read:unread=true'])",
        "SELECT realtime_stream('messages', 'message', topics => ARRAY[]::text[])",
      ]) {
        await owner.query("BEGIN");
        await expect(owner.query(call), call).rejects.toThrow(/realtime_stream/);
        await owner.query("ROLLBACK");
      }
    } finally {
      await owner.end();
    }
  });

  it("event data has the REST shapes: money as exact decimals, timestamps as ISO UTC with ms", async () => {
    await db.query(sql.unsafe`
      UPDATE work_orders
         SET labor_cost = 1234.5, parts_cost = 0.1, scheduled_start = '2031-02-03 04:05:06.789+10'
       WHERE id = ${world.workOrderId}`);
    const event = await db.one(sql.type(z.object({ data: z.record(z.string(), z.unknown()) }))`
      SELECT data FROM realtime_events
       WHERE entity_id = ${world.workOrderId} ORDER BY xid DESC, id DESC LIMIT 1`);
    const rest = await api(server.url, "GET", `/api/v1/work-orders/${world.workOrderId}`, {
      token: world.token,
    });
    expect(rest.status).toBe(200);
    expect(event.data).toMatchObject({
      labor_cost: "1234.50",
      parts_cost: "0.10",
      total_cost: "1234.60",
      scheduled_start: "2031-02-02T18:05:06.789Z",
    });
    expect(event.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // Every field both carry is identical.
    for (const [key, value] of Object.entries(rest.body as Record<string, unknown>)) {
      if (key in event.data) expect({ key, value: event.data[key] }).toEqual({ key, value });
    }
  });
});

describe("pump", () => {
  it("reads at most once per minGapMs: commits inside the gap are taken by one read, none lost", async () => {
    // Rows handed out in the same turn of the event loop came from the same read.
    const turns = turnCounter();
    const turnOfRow: number[] = [];
    const pump = new Pump(
      db,
      () => {
        turnOfRow.push(turns.now());
        return 1;
      },
      { minGapMs: 1_000 },
    );
    await pump.start();
    try {
      pump.wake(); // first read at once (nothing new), opens the gap
      for (let i = 0; i < 5; i++) {
        await db.query(
          sql.unsafe`UPDATE work_orders SET title = ${`gap ${i}`} WHERE id = ${world.workOrderId}`,
        );
        pump.wake();
      }
      await waitFor(() => turnOfRow.length === 5, 5_000, "five rows");
      expect(new Set(turnOfRow).size).toBe(1);
    } finally {
      await pump.stop();
    }
  });
});

describe("outbox reads with this database's horizon alone (refinedOnly)", () => {
  const update = (title: string) =>
    db.query(sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${world.workOrderId}`);
  const titles = (read: { ready: { data: Record<string, unknown> }[] }) =>
    read.ready.map((r) => r.data.title);

  it("gives what the cheap test followed by the refined read gives, in one statement: while another database holds xmin, with a local transaction holding rows back, and with nothing to read", async () => {
    const foreign = new pg.Client({
      connectionString: process.env.MIGRATION_DATABASE_URL?.replace(/\/[^/]+$/, "/postgres"),
    });
    foreign.on("error", () => {});
    await foreign.connect();
    try {
      await foreign.query("BEGIN");
      await foreign.query("SELECT pg_current_xact_id()"); // holds the cluster-wide xmin back
      const from = await outboxHead(db);
      const empty = await readOutboxAfter(db, from, 10, true, false, true);
      expect(empty).toMatchObject({ ready: [], blocked: false, seen: false, waitedMs: null });

      await update("refined A");
      const both = await readOutboxAfter(db, from, 10, true);
      const one = await readOutboxAfter(db, from, 10, true, false, true);
      expect(titles(both)).toEqual(["refined A"]);
      expect(titles(one)).toEqual(["refined A"]);
      for (const read of [both, one])
        expect(read).toMatchObject({ blocked: false, foreignHold: true, seen: true, full: false });

      // A transaction of this database that wrote a row and is still open holds back B,
      // committed after it: neither read may pass it.
      let release = () => {};
      const open = db.transaction(async (tx) => {
        // Another row than B's (B would wait for its lock).
        await tx.query(
          sql.unsafe`UPDATE elevators SET floors_served = 31 WHERE id = ${world.elevatorId}`,
        );
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await sleep(50);
      await update("refined B");
      const heldBoth = await readOutboxAfter(db, from, 10, true);
      const heldOne = await readOutboxAfter(db, from, 10, true, false, true);
      expect(titles(heldBoth)).toEqual(["refined A"]);
      expect(titles(heldOne)).toEqual(["refined A"]);
      for (const read of [heldBoth, heldOne])
        expect(read).toMatchObject({ blocked: true, seen: true });
      release();
      await open;
      const after = await readOutboxAfter(db, from, 10, true, false, true);
      expect(after.ready.map((r) => r.type)).toEqual([
        "work_order.updated",
        "elevator.updated",
        "work_order.updated",
      ]);
      expect(titles(after)).toEqual(["refined A", undefined, "refined B"]);
      expect(after.blocked).toBe(false);
    } finally {
      await foreign.query("ROLLBACK").catch(() => {});
      await foreign.end();
    }
  });
});

describe("pump gap: wider only while the hub is saturated (decisions: realtime-read-gap.test.ts)", () => {
  /** Blocks this thread for `ms` of wall time without using CPU (as a descheduled hub). */
  const sleepBlocking = (ms: number) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  };

  /**
   * A pump reading 10 rows at a time whose delivery of a row titled "wall …" costs `ms` of
   * wall time without CPU; other rows are quick. `busyThread` gives the pump a CPU clock that
   * runs with the wall clock (a hub whose thread is never off a CPU), so the rest after a
   * widened read (as long as its CPU time) does not depend on how loaded the test machine is.
   */
  function costlyPump(maxGapMs: number, ms: number, busyThread = false) {
    const rows: string[] = [];
    const pump = new Pump(
      db,
      (row) => {
        const title = String(row.data.title);
        if (title.startsWith("wall")) sleepBlocking(ms);
        rows.push(title);
        return 100;
      },
      {
        minGapMs: 4,
        maxGapMs,
        batchSize: 10,
        ...(busyThread ? { threadCpuMs: () => performance.now() } : {}),
      },
    );
    return { pump, rows };
  }
  const update = (title: string) =>
    db.query(sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${world.workOrderId}`);
  /** `n` changes committed at once (one transaction): one read cannot take them all. */
  async function burst(kind: string, n: number) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < n; i++)
        await tx.query(
          sql.unsafe`UPDATE work_orders SET title = ${`${kind} ${i}`} WHERE id = ${world.workOrderId}`,
        );
    });
  }

  it("a delivery slow in wall time but cheap in CPU, with no rows waiting for it, leaves the gap at the minimum", async () => {
    const { pump, rows } = costlyPump(2_000, 300);
    await pump.start();
    try {
      await update("wall alone");
      pump.wake();
      await waitFor(() => rows.length === 1, 5_000, "the slow row");
      // The old rule waited twice the 300 ms that read and delivery took.
      expect(pump.readGapMs).toBe(4);
    } finally {
      await pump.stop();
    }
  });

  it("a burst backlog (reads back to back, rows waiting) widens the gap; once arrivals fall it is back at the minimum", async () => {
    // 29 rows, 10 per read, 40 ms each: the reads run back to back for over a second and the
    // second and third reads' rows waited for the hub's work on the first, so after the third
    // (9 rows, 360 ms, all of it on a CPU) the pump rests.
    const { pump, rows } = costlyPump(2_000, 40, true);
    await pump.start();
    try {
      await burst("wall burst", 29);
      pump.wake();
      await waitFor(() => rows.length === 29, 20_000, "the burst");
      expect(pump.readGapMs).toBeGreaterThanOrEqual(360);
      await update("after");
      pump.wake();
      await waitFor(() => rows.length === 30, 5_000, "one more row");
      // One row in the whole rest: the arrivals fell far below the burst's, the backlog is gone.
      expect(pump.readGapMs).toBe(4);
    } finally {
      await pump.stop();
    }
  });

  it("with maxGapMs equal to minGapMs the gap stays fixed, backlog or not", async () => {
    const { pump, rows } = costlyPump(4, 40, true);
    await pump.start();
    try {
      await burst("wall burst", 29);
      pump.wake();
      await waitFor(() => rows.length === 29, 20_000, "the burst");
      expect(pump.readGapMs).toBe(4);
    } finally {
      await pump.stop();
    }
  });

  it("readOutboxAfter reports how long the first ready row had been committed when the read ran (Postgres's clock), null without rows", async () => {
    const from = await outboxHead(db);
    expect((await readOutboxAfter(db, from, 10)).waitedMs).toBeNull();
    await update("waited");
    await sleep(60);
    const read = await readOutboxAfter(db, from, 10);
    expect(read.ready.map((r) => r.data.title)).toEqual(["waited"]);
    // At least the 60 ms slept between the commit and the read, whatever the load.
    expect(read.waitedMs).toBeGreaterThanOrEqual(60);
  });
});

/**
 * Counts turns of the event loop (setImmediate callbacks) while someone asks: `now()`
 * returns how many turns have passed and makes sure the next one gets counted.
 */
function turnCounter() {
  let turns = 0;
  let pending = false;
  return {
    now(): number {
      if (!pending) {
        pending = true;
        setImmediate(() => {
          pending = false;
          turns++;
        });
      }
      return turns;
    },
  };
}

describe("pump slices", () => {
  /** 45 committed rows the pump has not handed out yet, and the position before them. */
  async function backlog(tag: string) {
    const head = new Pump(db, () => 0);
    await head.start();
    const from = head.position;
    await head.stop();
    await db.transaction(async (tx) => {
      for (let i = 0; i < 45; i++) {
        await tx.query(
          sql.unsafe`UPDATE work_orders SET title = ${`${tag} ${i}`} WHERE id = ${world.workOrderId}`,
        );
      }
    });
    return from;
  }

  /**
   * Runs a pump over the backlog whose delivery reports `perRow` socket deliveries per row,
   * and returns, per row, its title, how many turns of the event loop the pump had yielded
   * before handing it out, and the pump's position at that moment.
   */
  async function drain(from: Position, perRow: number, budget: number) {
    const seen: Array<{ title: string; yields: number; position: bigint; slicesEnded: number }> =
      [];
    const turns = turnCounter();
    const sliceEnds: number[] = [];
    const pump: Pump = new Pump(
      db,
      (row) => {
        seen.push({
          title: String(row.data.title),
          yields: turns.now(),
          position: pump.position.id,
          slicesEnded: sliceEnds.length,
        });
        return perRow;
      },
      {
        minGapMs: 0,
        deliveryBudget: budget,
        endOfSlice: () => sliceEnds.push(seen.length),
      },
    );
    pump.position = from;
    pump.wake();
    await waitFor(() => seen.length === 45, 5_000, "45 rows");
    await pump.stop();
    return { seen, sliceEnds };
  }

  it("yields to the event loop after each budget of socket deliveries, in order; position follows each row", async () => {
    const from = await backlog("slice");
    // One delivery per row, budget 20: slices of 20, 20 and 5 rows.
    const { seen, sliceEnds } = await drain(from, 1, 20);
    expect(seen.map((r) => r.title)).toEqual(Array.from({ length: 45 }, (_, i) => `slice ${i}`));
    expect(seen.map((r) => r.yields)).toEqual([
      ...Array(20).fill(0),
      ...Array(20).fill(1),
      ...Array(5).fill(2),
    ]);
    // Each slice ends (delivery sends what it was handed) before the pump yields: every row
    // is handed out after as many slice ends as yields, and the last slice ends too. (Reads
    // that found nothing yet end a slice too: on a busy machine another database's open
    // transaction can hold the backlog back for a few reads. Count from the first row.)
    const before = seen[0]?.slicesEnded ?? 0;
    expect(seen.map((r) => r.slicesEnded - before)).toEqual(seen.map((r) => r.yields));
    expect(sliceEnds.filter((n) => n > 0).slice(0, 3)).toEqual([20, 40, 45]);
    // Each row is handed out from where the previous one left the position.
    expect(seen[0]?.position).toBe(from.id);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.position > seen[i - 1]!.position).toBe(true);
    }
  });

  it("the budget counts deliveries, not rows: at fan-out 10 a budget of 20 yields every 2 rows", async () => {
    const from = await backlog("fanout");
    const { seen } = await drain(from, 10, 20);
    expect(seen.map((r) => r.yields)).toEqual(
      Array.from({ length: 45 }, (_, i) => Math.floor(i / 2)),
    );
  });
});

describe("outbox indexes", () => {
  it("the topic index has no pending list (no merge stalls on one change's commit)", async () => {
    const options = await db.oneFirst(sql.type(z.object({ reloptions: z.array(z.string()) }))`
      SELECT reloptions FROM pg_class WHERE relname = 'idx_realtime_events_topics'`);
    expect(options).toContain("fastupdate=off");
  });
});

describe("outbox rows: typed by their SQL, not validated row by row", () => {
  it("the pump's reads and replay pages ask the pool for no per-row validation, and every row they return is exactly an OutboxRow", async () => {
    // The row parser each statement carried, by its vendor (zod's is "zod").
    const vendors: string[] = [];
    const pool = await createDatabasePool(process.env.SERVICE_DATABASE_URL ?? "", {
      maxPoolSize: 2,
      interceptors: [
        {
          name: "test-parser-vendor",
          beforeQueryExecution: (context) => {
            vendors.push(context.resultParser?.["~standard"].vendor ?? "none");
            return null;
          },
        },
      ],
    });
    const update = (title: string) =>
      db.query(sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${world.workOrderId}`);
    try {
      const from = await outboxHead(db);
      await update("typed A");
      await update("typed B");
      vendors.length = 0;
      const cheap = await readOutboxAfter(pool, from, 10, true, false);
      const timed = await readOutboxAfter(pool, from, 10, true, true);
      const refinedOnly = await readOutboxAfter(pool, from, 10, true, false, true);
      const page = await readTopicPage(pool, topicName("org", world.orgId), from, 10);
      const emptyPage = await readTopicPage(pool, topicName("org", world.orgId), page.floor, 0);
      // The two-statement refined read: a local transaction holds a later row back.
      let release = () => {};
      const open = db.transaction(async (tx) => {
        await tx.query(
          sql.unsafe`UPDATE elevators SET floors_served = 32 WHERE id = ${world.elevatorId}`,
        );
        await new Promise<void>((r) => {
          release = r;
        });
      });
      await sleep(50);
      await update("typed C");
      const refined = await readOutboxAfter(pool, from, 10, true, false);
      release();
      await open;

      expect(vendors.length).toBeGreaterThanOrEqual(7);
      expect(new Set(vendors)).toEqual(new Set([TRUSTED_ROWS]));
      expect(emptyPage.rows).toEqual([]);
      expect(refined.blocked).toBe(true);
      const reads = [cheap.ready, timed.ready, refinedOnly.ready, page.rows, refined.ready];
      for (const rows of reads) {
        expect(rows.map((r) => r.data.title)).toEqual(["typed A", "typed B"]);
        // Nothing missing, nothing of the statement's own (horizon, read_at, page_xid) left.
        for (const row of rows) expect(OutboxRow.strict().parse(row)).toEqual(row);
      }
      expect(timed.ready.every((r) => typeof r.committed_at === "string")).toBe(true);
      expect(cheap.ready.every((r) => r.committed_at === null)).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
