import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { retentionFloor } from "../server/db/realtime-events.ts";
import { createQueues, enqueueNow, type Queues } from "../server/jobs/queues.ts";
import { encodeCursor } from "../shared/realtime/cursor.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { ensureAuditPartitions } from "../workers/handlers/ensure-audit-partitions.ts";
import { pruneRealtimeEvents } from "../workers/handlers/prune-realtime-events.ts";
import { startWorkers } from "../workers/start.ts";
import { jobContext, waitForJob } from "./helpers/jobs.ts";
import {
  buildWorld,
  connected,
  emitAck,
  rawSocket,
  startHub,
  titleOf,
  waitFor,
} from "./helpers/realtime.ts";

/**
 * The upkeep jobs that keep the database in shape: audit partitions ahead of time and
 * the realtime event log pruned past its retention, with the replay floor kept right.
 * Real Postgres, real Redis, a real hub.
 */
const hub = await startHub();
const runtime = hub.runtime;
const db = runtime.serviceDb;
let queues: Queues;

beforeAll(async () => {
  queues = await createQueues(runtime.env);
});
afterAll(() => queues.close());

const ctx = () => jobContext(runtime);

const Position = z.object({ xid: z.string(), id: z.number() });

describe("maintenance.ensure-audit-partitions", () => {
  it("creates the months ahead once: a second run creates none", async () => {
    const first = await ensureAuditPartitions({ months_ahead: 14 }, ctx());
    expect(first.created).toBeGreaterThan(0);
    expect(await ensureAuditPartitions({ months_ahead: 14 }, ctx())).toEqual({ created: 0 });
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + 14);
    const name = `audit_events_${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    const exists = await db.oneFirst(sql.type(z.object({ r: z.string().nullable() }))`
      SELECT to_regclass(${name})::text AS r`);
    expect(exists).toBe(name);
  });
});

describe("maintenance.prune-realtime-events", () => {
  /** A work order changed `n` times, the first `old` of those changes 100 hours ago. */
  async function history(n: number, old: number) {
    const w = await buildWorld(db);
    for (let i = 0; i < n; i++) {
      await db.query(sql.unsafe`
        UPDATE work_orders SET title = ${`change ${i}`} WHERE id = ${w.workOrderId}`);
    }
    const events = await db.any(sql.type(Position)`
      SELECT xid::text AS xid, id FROM realtime_events
       WHERE entity_id = ${w.workOrderId} ORDER BY xid, id`);
    const aged = events.slice(0, events.length - (n - old));
    await db.query(sql.unsafe`
      UPDATE realtime_events SET occurred_at = now() - interval '100 hours'
       WHERE id = ANY(${sql.array(
         aged.map((e) => e.id),
         "int8",
       )})`);
    return { w, events, aged };
  }

  const remaining = (ids: number[]) =>
    db.anyFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM realtime_events WHERE id = ANY(${sql.array(ids, "int8")}) ORDER BY id`);

  it("deletes what is past retention in batches and raises the floor to the last deleted", async () => {
    const { events, aged } = await history(7, 5);
    const floorBefore = await retentionFloor(db);
    // Retention 72 h: the aged ones go, three at a time; the recent ones stay.
    const result = await pruneRealtimeEvents({ batch_size: 3 }, ctx());
    expect(result.deleted).toBe(aged.length);
    expect(await remaining(events.map((e) => e.id))).toEqual(
      events.slice(aged.length).map((e) => e.id),
    );
    const floor = await retentionFloor(db);
    const last = aged.at(-1)!;
    expect({ xid: String(floor.xid), id: Number(floor.id) }).toEqual({
      xid: last.xid,
      id: last.id,
    });
    expect(Number(floor.id)).toBeGreaterThan(Number(floorBefore.id));

    // Run twice: nothing more to delete, the floor stays.
    expect(await pruneRealtimeEvents({ batch_size: 3 }, ctx())).toEqual({ deleted: 0 });
    expect(await retentionFloor(db)).toEqual(floor);
  });

  it("a subscriber whose cursor predates a pruned event gets reset: true; one after it replays", async () => {
    const { w, events, aged } = await history(4, 2);
    // Through a real worker, on the schedule's job.
    const workers = await startWorkers(runtime, { schedules: [], relay: false });
    try {
      const id = await enqueueNow(queues, "maintenance.prune-realtime-events", {});
      await waitForJob(queues, "maintenance", id);
    } finally {
      await workers.close(0);
    }
    expect(await remaining(aged.map((e) => e.id))).toEqual([]);

    const topic = topicName("work_order", w.workOrderId);
    const before = aged[0]!;
    const stale = rawSocket(hub.url, { token: w.token });
    await connected(stale);
    const reset = await emitAck(stale, "subscribe", {
      topic,
      since: encodeCursor({ xid: BigInt(before.xid), id: BigInt(before.id) }),
    });
    expect(reset).toMatchObject({ ok: true, topic, reset: true });

    // From the last pruned event on, nothing is missing: the kept changes replay.
    const lastPruned = aged.at(-1)!;
    const fresh = rawSocket(hub.url, { token: w.token });
    await connected(fresh);
    const ok = await emitAck(fresh, "subscribe", {
      topic,
      since: encodeCursor({ xid: BigInt(lastPruned.xid), id: BigInt(lastPruned.id) }),
    });
    expect(ok.reset).toBeUndefined();
    const kept = events.length - aged.length;
    await waitFor(() => fresh.events.filter((e) => e.replay).length === kept);
    expect(fresh.events.map(titleOf)).toEqual(["change 2", "change 3"]);
  });
});
