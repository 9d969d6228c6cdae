import pg from "pg";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWorld,
  connected,
  emitAck,
  rawSocket,
  sleep,
  startHub,
  waitFor,
} from "./helpers/realtime.ts";

/**
 * The commit-time wake-up (migrations/0054): a transaction NOTIFYs unless every registered
 * hub is polling the outbox for at least another 200 ms; under steady writes the hubs poll
 * and commits skip NOTIFY (which would otherwise serialise their WAL flushes), and still
 * every event arrives once, in order.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;
let listener: pg.Client;
let notifications = 0;

beforeAll(async () => {
  world = await buildWorld(db);
  listener = new pg.Client({ connectionString: process.env.SERVICE_DATABASE_URL });
  await listener.connect();
  listener.on("notification", (n) => {
    if (n.channel === "sitesync_realtime") notifications++;
  });
  await listener.query("LISTEN sitesync_realtime");
});
afterAll(() => listener.end());

async function commitOne(title: string): Promise<void> {
  await db.query(
    sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${world.workOrderId}`,
  );
}

async function notificationsDuring(work: () => Promise<void>): Promise<number> {
  await sleep(100);
  const before = notifications;
  await work();
  await sleep(200);
  return notifications - before;
}

describe("commit-time wake-up", () => {
  it("decides per commit from the registered hubs' polling windows", async () => {
    const hubNode = (await db.anyFirst(
      sql.unsafe`SELECT node_id FROM realtime_pump_nodes`,
    )) as string[];
    expect(hubNode).toHaveLength(1); // this file's in-process hub registered itself
    const setHub = (until: string) =>
      db.query(sql.unsafe`UPDATE realtime_pump_nodes SET polling_until = ${until}::timestamptz`);
    // The hub is idle: writers wake it.
    await setHub("-infinity");
    expect(await notificationsDuring(() => commitOne("idle"))).toBe(1);
    // Every hub polls for a while yet: no NOTIFY needed.
    await db.query(
      sql.unsafe`UPDATE realtime_pump_nodes SET polling_until = now() + interval '1 hour'`,
    );
    expect(await notificationsDuring(() => commitOne("polling"))).toBe(0);
    // One more hub that is idle: NOTIFY again.
    await db.query(sql.unsafe`
      INSERT INTO realtime_pump_nodes (node_id) VALUES ('00000000-0000-4000-8000-000000000001')`);
    expect(await notificationsDuring(() => commitOne("one idle"))).toBe(1);
    await db.query(
      sql.unsafe`DELETE FROM realtime_pump_nodes WHERE node_id = '00000000-0000-4000-8000-000000000001'`,
    );
    // A window about to end (under the 200 ms margin) counts as not polling.
    await db.query(
      sql.unsafe`UPDATE realtime_pump_nodes SET polling_until = clock_timestamp() + interval '100 milliseconds'`,
    );
    expect(await notificationsDuring(() => commitOne("ending"))).toBe(1);
    // No hub registered at all: NOTIFY.
    await db.query(sql.unsafe`DELETE FROM realtime_pump_nodes`);
    expect(await notificationsDuring(() => commitOne("nobody"))).toBe(1);
    // The hub re-registers with its heartbeat; put it back now for the next test.
    await db.query(sql.unsafe`INSERT INTO realtime_pump_nodes (node_id) VALUES (${hubNode[0]!})`);
  });

  it("a rolled-back transaction does not NOTIFY", async () => {
    await db.query(sql.unsafe`UPDATE realtime_pump_nodes SET polling_until = '-infinity'`);
    const n = await notificationsDuring(async () => {
      await db
        .transaction(async (tx) => {
          await tx.query(
            sql.unsafe`UPDATE work_orders SET title = 'rolled back' WHERE id = ${world.workOrderId}`,
          );
          throw new Error("abort");
        })
        .catch(() => {});
    });
    expect(n).toBe(0);
  });

  it("under a burst most commits skip NOTIFY, and the subscriber still gets every event once, in order", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    expect(
      (await emitAck(socket, "subscribe", { topic: `work_order:${world.workOrderId}` })).ok,
    ).toBe(true);
    const writer = new pg.Client({ connectionString: process.env.SERVICE_DATABASE_URL });
    await writer.connect();
    const titles = Array.from({ length: 200 }, (_, i) => `burst ${i}`);
    const n = await notificationsDuring(async () => {
      for (const title of titles) {
        await writer.query("UPDATE work_orders SET title = $1 WHERE id = $2", [
          title,
          world.workOrderId,
        ]);
      }
    });
    await writer.end();
    const burst = () => socket.events.filter((e) => String(e.data.title).startsWith("burst"));
    await waitFor(() => burst().length >= 200, 10_000, "200 events");
    await sleep(200);
    expect(burst().map((e) => e.data.title)).toEqual(titles);
    const ids = socket.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(n).toBeLessThan(100);
    socket.disconnect();
  });
});
