import pg from "pg";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneOutbox } from "../server/db/realtime-events.ts";
import { withTenant } from "../server/db/tenant-context.ts";
import { encodeCursor } from "../shared/realtime/cursor.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildUser, sessionFor } from "./factories.ts";
import {
  buildWorld,
  connectClient,
  connected,
  emitAck,
  rawSocket,
  sleep,
  startHub,
  titleOf,
  waitFor,
} from "./helpers/realtime.ts";
import { metricsText } from "./helpers/runtime.ts";

/**
 * Protocol guarantees 1 (database is the source), 2 (order) and 3 (replay) against one
 * in-process hub, real Postgres and Redis.
 */
const hub = await startHub();
const db = hub.runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;
const one = async (query: Parameters<typeof db.one>[0]): Promise<any> => db.one(query);

/** Plain SQL from a connection that is not the app: psql as the service role. */
async function plainSql(role: "service" | "owner" = "service") {
  const url =
    role === "service" ? process.env.SERVICE_DATABASE_URL : process.env.MIGRATION_DATABASE_URL;
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // the file's database is dropped under it at the end
  await client.connect();
  afterAll(() => client.end());
  return client;
}

beforeAll(async () => {
  world = await buildWorld(db);
});

describe("events come from the database", () => {
  it("a change made by plain SQL as another role reaches subscribers", async () => {
    const client = await connectClient(hub.url, world.token);
    expect((await client.subscribe(topicName("work_order", world.workOrderId))).ok).toBe(true);
    const psql = await plainSql("service");
    await psql.query("UPDATE work_orders SET status = 'scheduled' WHERE id = $1", [
      world.workOrderId,
    ]);
    await waitFor(() => client.events.length === 1, 5_000, "event");
    const [event] = client.events;
    expect(event).toMatchObject({
      topic: topicName("work_order", world.workOrderId),
      type: "work_order.updated",
      entity: { type: "work_order", id: world.workOrderId },
      organization_id: world.orgId,
      actor_id: null,
      changes: ["status"],
      data: { id: world.workOrderId, status: "scheduled" },
    });
    // The owner role (RLS forced on it) writing with a context set by hand works the same.
    const owner = await plainSql("owner");
    await owner.query("BEGIN");
    await owner.query("SELECT set_config('app.current_org', $1, true)", [world.orgId]);
    await owner.query("UPDATE work_orders SET priority = 'high' WHERE id = $1", [
      world.workOrderId,
    ]);
    await owner.query("COMMIT");
    await waitFor(() => client.events.length === 2, 5_000, "owner event");
    expect(client.events[1]).toMatchObject({ changes: ["priority"], data: { priority: "high" } });
  });

  it("an aborted transaction produces nothing", async () => {
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("work_order", world.workOrderId));
    const psql = await plainSql();
    await psql.query("BEGIN");
    await psql.query("UPDATE work_orders SET title = 'rolled back' WHERE id = $1", [
      world.workOrderId,
    ]);
    await psql.query("ROLLBACK");
    // A savepoint rolled back inside a committed transaction is aborted work too.
    await psql.query("BEGIN");
    await psql.query("SAVEPOINT s");
    await psql.query("UPDATE work_orders SET title = 'also rolled back' WHERE id = $1", [
      world.workOrderId,
    ]);
    await psql.query("ROLLBACK TO SAVEPOINT s");
    await psql.query("UPDATE work_orders SET title = 'marker' WHERE id = $1", [world.workOrderId]);
    await psql.query("COMMIT");
    await waitFor(() => client.events.length >= 1, 5_000, "marker");
    await sleep(300);
    expect(client.events.map((e) => titleOf(e))).toEqual(["marker"]);
  });

  it("an update through the app role under RLS carries the actor", async () => {
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("elevator", world.elevatorId));
    await withTenant(hub.runtime.db, { organizationId: world.orgId, userId: world.userId }, (tx) =>
      tx.query(
        sql.unsafe`UPDATE elevators SET status = 'out_of_service' WHERE id = ${world.elevatorId}`,
      ),
    );
    await waitFor(() => client.events.length === 1);
    expect(client.events[0]).toMatchObject({
      type: "elevator.status_changed",
      actor_id: world.userId,
      data: { status: "out_of_service" },
    });
  });

  it("a 50 KB forum post arrives whole (NOTIFY is only a wake-up)", async () => {
    const category = await one(sql.unsafe`
      INSERT INTO forum_categories (name, slug, scope_type, visibility)
      VALUES ('Faults', 'faults', 'global', 'public') RETURNING id`);
    const thread = await one(sql.unsafe`
      INSERT INTO forum_threads (category_id, author_id, title, slug)
      VALUES (${category.id}, ${world.userId}, 'Door fault', 'door-fault') RETURNING id`);
    const client = await connectClient(hub.url, world.token);
    expect((await client.subscribe(topicName("forum_thread", thread.id))).ok).toBe(true);
    const content = "x".repeat(50_000);
    await db.query(sql.unsafe`
      INSERT INTO forum_posts (thread_id, author_id, content) VALUES (${thread.id}, ${world.userId}, ${content})`);
    await waitFor(() => client.events.some((e) => e.type === "forum_post.created"));
    const post = client.events.find((e) => e.type === "forum_post.created");
    expect(post?.data.content).toBe(content);
    // The reply count maintained by trigger is a thread update on the same topic.
    await waitFor(() => client.events.some((e) => e.type === "forum_thread.updated"));
  });

  it("a deleted row goes out as its id only", async () => {
    const extra = await one(sql.unsafe`
      INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, title, labor_cost)
      VALUES (${world.orgId}, ${world.siteId}, ${world.elevatorId}, ${world.userId}, 'callback', 'Temp', 99)
      RETURNING id`);
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("work_order", extra.id));
    await db.query(sql.unsafe`DELETE FROM work_orders WHERE id = ${extra.id}`);
    // (its work_order.created may also arrive: it can still be in flight at subscribe time)
    const deleted = () => client.events.find((e) => e.type === "work_order.deleted");
    await waitFor(() => deleted() !== undefined);
    expect(deleted()).toMatchObject({ data: { id: extra.id } });
    expect(Object.keys(deleted()?.data ?? {})).toEqual(["id"]);
  });
});

describe("order", () => {
  it("two transactions that commit out of order both arrive, in topic order", async () => {
    const second = await one(sql.unsafe`
      INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, title)
      VALUES (${world.orgId}, ${world.siteId}, ${world.elevatorId}, ${world.userId}, 'inspection', 'Second')
      RETURNING id`);
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    expect((await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok).toBe(
      true,
    );

    const heldReads = async () =>
      Number(/^sitesync_outbox_held_reads_total (\d+)/m.exec(await metricsText(hub.url))?.[1]);
    const heldBefore = await heldReads();
    const a = await plainSql();
    const b = await plainSql();
    // A takes the lower event id first, B the higher one; B commits first. A reader that
    // keeps `id > last` would deliver B, move past A's id, and lose A (Hasura #8632).
    await a.query("BEGIN");
    await a.query("UPDATE work_orders SET title = 'A' WHERE id = $1", [world.workOrderId]);
    await b.query("BEGIN");
    await b.query("UPDATE work_orders SET title = 'B' WHERE id = $1", [second.id]);
    await b.query("COMMIT");
    await sleep(400);
    // B waits behind A's open transaction rather than overtaking it.
    expect(socket.events.filter((e) => e.type === "work_order.updated")).toEqual([]);
    // The pump saw B held back (the metric that tells long transactions from a slow hub).
    expect(await heldReads()).toBeGreaterThan(heldBefore);
    await a.query("COMMIT");
    const updates = () => socket.events.filter((e) => e.type === "work_order.updated");
    await waitFor(() => updates().length === 2, 5_000, "both events");
    expect(updates().map((e) => titleOf(e))).toEqual(["A", "B"]);
    const [first, next] = updates().map((e) => e.id);
    expect(first! < next!).toBe(true);
    // The same order on replay.
    const replay = rawSocket(hub.url, { token: world.token });
    await connected(replay);
    const since = encodeCursor({ xid: 0n, id: 0n });
    await emitAck(replay, "subscribe", { topic: topicName("work_order", second.id), since });
    await waitFor(() => replay.events.some((e) => titleOf(e) === "B"));
    // A second socket replaying the org topic from A's cursor gets exactly B. (On the first
    // socket B is not sent again: it already has it through the work order topic.)
    const replayOrg = rawSocket(hub.url, { token: world.token });
    await connected(replayOrg);
    const sinceFirst = await emitAck(replayOrg, "subscribe", {
      topic: topicName("org", world.orgId),
      since: first,
    });
    expect(sinceFirst.ok).toBe(true);
    await waitFor(() => replayOrg.events.some((e) => e.topic === topicName("org", world.orgId)));
    expect(
      replayOrg.events
        .filter((e) => e.topic === topicName("org", world.orgId))
        .map((e) => titleOf(e)),
    ).toEqual(["B"]);
    const again = await emitAck(replay, "subscribe", {
      topic: topicName("org", world.orgId),
      since: first,
    });
    expect(again.ok).toBe(true);
    await sleep(200);
    expect(replay.events.filter((e) => titleOf(e) === "B")).toHaveLength(1);
  });

  it("a long transaction in another database does not hold events back", async () => {
    const foreign = new pg.Client({
      connectionString: process.env.MIGRATION_DATABASE_URL?.replace(/\/[^/]+$/, "/postgres"),
    });
    foreign.on("error", () => {});
    await foreign.connect();
    afterAll(() => foreign.end());
    await foreign.query("BEGIN");
    await foreign.query("SELECT pg_current_xact_id()"); // holds the cluster-wide xmin back
    const client = await connectClient(hub.url, world.token);
    const topic = topicName("work_order", world.workOrderId);
    await client.subscribe(topic);
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'despite foreign txn' WHERE id = ${world.workOrderId}`,
    );
    await waitFor(
      () => client.events.length === 1,
      2_000,
      "event while another database holds xmin",
    );
    // Once the pump has switched to this database's horizon it stays there while the foreign
    // transaction is open: the next changes are not held back again (each time cost a stall).
    const counter = async (name: string) =>
      Number(new RegExp(`^${name} (\\d+)`, "m").exec(await metricsText(hub.url))?.[1]);
    const held = await counter("sitesync_outbox_held_reads_total");
    for (let i = 1; i <= 3; i++) {
      // A read that finds nothing (the safety timer's, between two changes) must not switch
      // the pump back to the cheap test either: force one before each change.
      const reads = await counter("sitesync_outbox_reads_total");
      hub.pump.wake();
      while ((await counter("sitesync_outbox_reads_total")) === reads) await sleep(5);
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${`still despite ${i}`} WHERE id = ${world.workOrderId}`,
      );
      await waitFor(() => client.events.length === 1 + i, 2_000, `change ${i}`);
    }
    expect(await counter("sitesync_outbox_held_reads_total")).toBe(held);
    // Replay uses the same horizon.
    const replay = rawSocket(hub.url, { token: world.token });
    await connected(replay);
    await emitAck(replay, "subscribe", { topic, since: encodeCursor({ xid: 1n, id: 0n }) });
    await waitFor(() => replay.events.some((e) => titleOf(e) === "despite foreign txn"), 2_000);
    await foreign.query("ROLLBACK");
  });

  it("a socket in several topics carrying one event gets it once", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    for (const topic of [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("elevator", world.elevatorId),
      topicName("work_order", world.workOrderId),
    ]) {
      expect((await emitAck(socket, "subscribe", { topic })).ok).toBe(true);
    }
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'once' WHERE id = ${world.workOrderId}`,
    );
    await db.query(
      sql.unsafe`UPDATE elevators SET floors_served = 12 WHERE id = ${world.elevatorId}`,
    );
    await waitFor(() => socket.events.some((e) => e.entity.type === "elevator"));
    await sleep(200);
    expect(socket.events.map((e) => [e.type, e.topic])).toEqual([
      ["work_order.updated", topicName("org", world.orgId)],
      ["elevator.updated", topicName("org", world.orgId)],
    ]);
  });

  it("a replay on a second topic skips what the socket already got through the first", async () => {
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    expect((await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok).toBe(
      true,
    );
    const before = (
      await emitAck(socket, "subscribe", { topic: topicName("elevator", world.elevatorId) })
    ).cursor;
    await emitAck(socket, "unsubscribe", { topic: topicName("elevator", world.elevatorId) });
    for (let i = 0; i < 3; i++) {
      await db.query(
        sql.unsafe`UPDATE elevators SET floors_served = ${20 + i} WHERE id = ${world.elevatorId}`,
      );
    }
    await waitFor(() => socket.events.filter((e) => e.entity.type === "elevator").length === 3);
    // Re-subscribing the elevator topic from before those changes replays nothing twice.
    const ack = await emitAck(socket, "subscribe", {
      topic: topicName("elevator", world.elevatorId),
      since: before,
    });
    expect(ack.ok).toBe(true);
    await db.query(
      sql.unsafe`UPDATE elevators SET floors_served = 30 WHERE id = ${world.elevatorId}`,
    );
    await waitFor(() => socket.events.filter((e) => e.entity.type === "elevator").length >= 4);
    await sleep(200);
    const ids = socket.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(socket.events.filter((e) => e.entity.type === "elevator")).toHaveLength(4);
  });

  it("a reconnecting client re-subscribing several overlapping topics with cursors gets each missed event once", async () => {
    const topics = [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("work_order", world.workOrderId),
    ];
    const first = rawSocket(hub.url, { token: world.token });
    await connected(first);
    const cursors: Record<string, string> = {};
    for (const topic of topics)
      cursors[topic] = (await emitAck(first, "subscribe", { topic })).cursor;
    first.disconnect();
    for (let i = 0; i < 5; i++) {
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${`missed ${i}`} WHERE id = ${world.workOrderId}`,
      );
    }
    const second = rawSocket(hub.url, { token: world.token });
    await connected(second);
    // All at once, as the typed client does after a reconnect.
    const acks = await Promise.all(
      topics.map((topic) => emitAck(second, "subscribe", { topic, since: cursors[topic] })),
    );
    for (const ack of acks) expect(ack.ok).toBe(true);
    await waitFor(
      () => second.events.filter((e) => String(titleOf(e)).startsWith("missed")).length >= 5,
    );
    await sleep(300);
    const missed = second.events.filter((e) => String(titleOf(e)).startsWith("missed"));
    expect(missed.map((e) => titleOf(e))).toEqual([
      "missed 0",
      "missed 1",
      "missed 2",
      "missed 3",
      "missed 4",
    ]);
    const ids = second.events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("… also when the node's pump is behind the replays: each replay skips what an earlier one sent", async () => {
    // A node of its own whose pump stops before the missed changes, so no replay can lean on
    // the pump having handed a row out (a busy node's pump can trail its replays like this).
    const node = await startHub();
    const topics = [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("work_order", world.workOrderId),
    ];
    const first = rawSocket(node.url, { token: world.token });
    await connected(first);
    const cursors: Record<string, string> = {};
    for (const topic of topics)
      cursors[topic] = (await emitAck(first, "subscribe", { topic })).cursor;
    first.disconnect();
    await node.pump.stop();
    for (let i = 0; i < 5; i++) {
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${`behind ${i}`} WHERE id = ${world.workOrderId}`,
      );
    }
    const second = rawSocket(node.url, { token: world.token });
    await connected(second);
    const acks = await Promise.all(
      topics.map((topic) => emitAck(second, "subscribe", { topic, since: cursors[topic] })),
    );
    for (const ack of acks) expect(ack.ok).toBe(true);
    // Every replay has sent its events before its ack, and the stopped pump sends nothing.
    expect(second.events.map((e) => titleOf(e))).toEqual([
      "behind 0",
      "behind 1",
      "behind 2",
      "behind 3",
      "behind 4",
    ]);
  });
});

describe("batches (auth.batch)", () => {
  /** Commits `n` title changes of the world's work order in one transaction: one read. */
  async function oneTransaction(tag: string, n: number) {
    await db.transaction(async (tx) => {
      for (let i = 0; i < n; i++)
        await tx.query(
          sql.unsafe`UPDATE work_orders SET title = ${`${tag} ${i}`} WHERE id = ${world.workOrderId}`,
        );
    });
    return Array.from({ length: n }, (_, i) => `${tag} ${i}`);
  }

  it("a socket that asks for batches gets one read's events as one events packet, in order; a plain socket gets the same envelopes one packet each", async () => {
    const batched = rawSocket(hub.url, { token: world.token, batch: true });
    const plain = rawSocket(hub.url, { token: world.token });
    for (const socket of [batched, plain]) {
      await connected(socket);
      expect(
        (await emitAck(socket, "subscribe", { topic: topicName("org", world.orgId) })).ok,
      ).toBe(true);
    }
    await sleep(200);
    const titles = await oneTransaction("batch", 5);
    const ours = (socket: typeof batched) =>
      socket.packets.filter((p) => p.envelopes.some((e) => titles.includes(titleOf(e))));
    await waitFor(() => plain.events.filter((e) => titles.includes(titleOf(e))).length === 5);
    await waitFor(() => ours(batched).length > 0);
    await sleep(200);

    expect(ours(batched).map((p) => p.kind)).toEqual(["events"]);
    expect(ours(batched)[0]!.envelopes.map((e) => titleOf(e))).toEqual(titles);
    expect(ours(plain).map((p) => p.kind)).toEqual(Array(5).fill("event"));
    // The same envelopes either way, cursors increasing along the topic.
    const envelopes = ours(plain).flatMap((p) => p.envelopes);
    expect(ours(batched)[0]!.envelopes).toEqual(envelopes);
    const ids = envelopes.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
  });

  it("a batched socket in several topics carrying the events gets each once, in the batch", async () => {
    const socket = rawSocket(hub.url, { token: world.token, batch: true });
    await connected(socket);
    for (const topic of [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("work_order", world.workOrderId),
    ]) {
      expect((await emitAck(socket, "subscribe", { topic })).ok).toBe(true);
    }
    await sleep(200);
    const titles = await oneTransaction("batch-once", 3);
    await waitFor(() => socket.events.some((e) => titleOf(e) === titles[2]));
    await sleep(200);
    const ours = socket.packets.filter((p) => p.envelopes.some((e) => titles.includes(titleOf(e))));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.envelopes.map((e) => [titleOf(e), e.topic])).toEqual(
      titles.map((t) => [t, topicName("org", world.orgId)]),
    );
  });

  it("the typed client unpacks batches: each event once, in order, and its cursor moves to the last", async () => {
    const client = await connectClient(hub.url, world.token);
    await client.subscribe(topicName("work_order", world.workOrderId));
    const packets: string[] = [];
    client.socket.on("events", () => packets.push("events"));
    await sleep(200);
    const titles = await oneTransaction("typed", 4);
    await waitFor(() => client.events.some((e) => titleOf(e) === titles[3]));
    await sleep(200);
    const ours = client.events.filter((e) => titles.includes(titleOf(e)));
    expect(ours.map((e) => titleOf(e))).toEqual(titles);
    expect(packets).toEqual(["events"]);
    expect(client.cursor(topicName("work_order", world.workOrderId))).toBe(ours[3]!.id);
  });
});

describe("replay", () => {
  it("subscribe with since sends everything after the cursor, then live: no gap, no duplicate at the seam", async () => {
    const topic = topicName("work_order", world.workOrderId);
    const first = rawSocket(hub.url, { token: world.token });
    await connected(first);
    await emitAck(first, "subscribe", { topic });
    for (let i = 0; i < 5; i++) {
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${`before ${i}`} WHERE id = ${world.workOrderId}`,
      );
    }
    await waitFor(() => first.events.length === 5);
    const since = first.events[1]!.id;

    // Writes keep committing while the second socket replays and switches to live.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 60; i++) {
        await db.query(
          sql.unsafe`UPDATE work_orders SET title = ${`during ${i}`} WHERE id = ${world.workOrderId}`,
        );
        await sleep(5);
      }
    })();
    await sleep(30);
    const second = rawSocket(hub.url, { token: world.token });
    await connected(second);
    const ack = await emitAck(second, "subscribe", { topic, since });
    expect(ack).toMatchObject({ ok: true, topic });
    expect(ack.reset).toBeUndefined();
    writing = false;
    await writer;
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'after' WHERE id = ${world.workOrderId}`,
    );
    await waitFor(() => titleOf(second.events.at(-1)) === "after", 5_000, "last event");

    const titles = second.events.map((e) => titleOf(e));
    const expected = (
      await db.any(sql.unsafe`
      SELECT data->>'title' AS title FROM realtime_events
       WHERE topics @> ARRAY[${topic}]::text[] ORDER BY xid, id`)
    ).map((r) => (r as { title: string }).title);
    const start = expected.indexOf("before 1") + 1;
    expect(titles).toEqual(expected.slice(start));
    expect(new Set(second.events.map((e) => e.id)).size).toBe(second.events.length);
    // Replayed events are marked; the ones after the seam are not.
    expect(second.events[0]?.replay).toBe(true);
    expect(second.events.at(-1)?.replay).toBeUndefined();
    expect(ack.cursor >= second.events.filter((e) => e.replay).at(-1)!.id).toBe(true);
  });

  it("sockets replaying the same topic from the same cursor together (shared page reads) each get every event after it once, in order, while writes commit", async () => {
    const topic = topicName("work_order", world.workOrderId);
    const first = rawSocket(hub.url, { token: world.token });
    await connected(first);
    await emitAck(first, "subscribe", { topic });
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'shared 0' WHERE id = ${world.workOrderId}`,
    );
    await waitFor(() => first.events.length === 1);
    const since = first.events[0]!.id;
    first.disconnect();
    for (let i = 1; i <= 5; i++)
      await db.query(
        sql.unsafe`UPDATE work_orders SET title = ${`shared ${i}`} WHERE id = ${world.workOrderId}`,
      );

    const sockets = Array.from({ length: 16 }, () => rawSocket(hub.url, { token: world.token }));
    await Promise.all(sockets.map((s) => connected(s)));
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 80; i++) {
        await db.query(
          sql.unsafe`UPDATE work_orders SET title = ${`shared during ${i}`} WHERE id = ${world.workOrderId}`,
        );
        await sleep(3);
      }
    })();
    // Together, and a few a little later (while the first reads run).
    const acks = await Promise.all(
      sockets.map(async (s, i) => {
        if (i % 4 === 3) await sleep(2 + i);
        return emitAck(s, "subscribe", { topic, since });
      }),
    );
    for (const ack of acks) expect(ack).toMatchObject({ ok: true, topic });
    writing = false;
    await writer;
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'shared after' WHERE id = ${world.workOrderId}`,
    );
    for (const s of sockets)
      await waitFor(() => titleOf(s.events.at(-1)) === "shared after", 5_000, "last event");
    const expected = (
      await db.any(sql.unsafe`
      SELECT data->>'title' AS title FROM realtime_events
       WHERE topics @> ARRAY[${topic}]::text[] ORDER BY xid, id`)
    ).map((r) => (r as { title: string }).title);
    const after = expected.slice(expected.indexOf("shared 0") + 1);
    for (const s of sockets) {
      expect(s.events.map((e) => titleOf(e))).toEqual(after);
      s.disconnect();
    }
  });

  it("a cursor older than the retention window gets reset: true", async () => {
    const topic = topicName("work_order", world.workOrderId);
    const old = encodeCursor({ xid: 1n, id: 1n });
    // Everything so far falls out of the window.
    await sleep(20);
    const deleted = await pruneOutbox(db, 0.000_001);
    expect(deleted).toBeGreaterThan(0);
    const socket = rawSocket(hub.url, { token: world.token });
    await connected(socket);
    const ack = await emitAck(socket, "subscribe", { topic, since: old });
    expect(ack).toMatchObject({ ok: true, topic, reset: true });
    // Live events still flow after a reset.
    await db.query(
      sql.unsafe`UPDATE work_orders SET title = 'post-reset' WHERE id = ${world.workOrderId}`,
    );
    await waitFor(() => socket.events.some((e) => titleOf(e) === "post-reset"));
    // A cursor at or after the floor replays normally.
    const fresh = rawSocket(hub.url, { token: world.token });
    await connected(fresh);
    const ok = await emitAck(fresh, "subscribe", { topic, since: ack.cursor });
    expect(ok.reset).toBeUndefined();
    await waitFor(() => fresh.events.some((e) => titleOf(e) === "post-reset"));
  });
});

describe("audiences", () => {
  it("a tenant watching a work order linked to its request gets status and schedule, not costs or notes", async () => {
    const portalUser = await buildUser(db, { organizationId: null, role: "guest" });
    const { token } = await sessionFor(db, portalUser);
    const tenant = await one(sql.unsafe`
      INSERT INTO tenants (site_id, name, portal_enabled, portal_user_id)
      VALUES (${world.siteId}, 'Level 3 Dental', true, ${portalUser.id}) RETURNING id`);
    await db.query(sql.unsafe`
      INSERT INTO service_requests (site_id, tenant_id, request_type, subject, assigned_work_order_id)
      VALUES (${world.siteId}, ${tenant.id}, 'issue_report', 'Lift noisy', ${world.workOrderId})`);

    const tenantSocket = rawSocket(hub.url, { token });
    await connected(tenantSocket);
    expect(
      (
        await emitAck(tenantSocket, "subscribe", {
          topic: topicName("work_order", world.workOrderId),
        })
      ).ok,
    ).toBe(true);
    expect(
      (await emitAck(tenantSocket, "subscribe", { topic: topicName("tenant", tenant.id) })).ok,
    ).toBe(true);
    for (const topic of [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("elevator", world.elevatorId),
    ]) {
      expect((await emitAck(tenantSocket, "subscribe", { topic })).error.code).toBe("not_found");
    }
    const staff = rawSocket(hub.url, { token: world.token });
    await connected(staff);
    await emitAck(staff, "subscribe", { topic: topicName("work_order", world.workOrderId) });

    await db.query(
      sql.unsafe`UPDATE work_orders SET labor_cost = 450 WHERE id = ${world.workOrderId}`,
    );
    await db.query(sql.unsafe`
      UPDATE work_orders SET status = 'in_progress', scheduled_start = now(), resolution_notes = 'internal'
       WHERE id = ${world.workOrderId}`);
    await waitFor(() => staff.events.length === 2);
    await waitFor(() => tenantSocket.events.length >= 1);
    await sleep(200);
    // The cost-only update is not sent to the tenant at all.
    const wo = tenantSocket.events.filter((e) => e.entity.type === "work_order");
    expect(wo).toHaveLength(1);
    expect(Object.keys(wo[0]!.data).sort()).toEqual(
      [
        "actual_end",
        "actual_start",
        "completed_at",
        "id",
        "priority",
        "scheduled_end",
        "scheduled_start",
        "status",
        "updated_at",
        "work_order_number",
      ].sort(),
    );
    expect(wo[0]!.changes?.sort()).toEqual(["scheduled_start", "status"]);
    expect(staff.events[1]!.data).toMatchObject({
      labor_cost: "450.00",
      resolution_notes: "internal",
    });
  });
});

describe("metrics", () => {
  it("exposes hub metrics", async () => {
    const text = await metricsText(hub.url);
    expect(text).toMatch(/sitesync_events_relayed_total\{type="work_order.updated"\} \d+/);
    expect(text).toMatch(/sitesync_sockets_connected \d+/);
    expect(text).toMatch(/sitesync_replays_total\{outcome="reset"\} 1/);
    expect(text).toMatch(/sitesync_relay_lag_seconds_count \d+/);
    // Rows per read is the pump's batching; every delivered change was read once.
    const reads = Number(text.match(/^sitesync_outbox_reads_total (\d+)/m)?.[1]);
    const rows = Number(text.match(/^sitesync_outbox_rows_read_total (\d+)/m)?.[1]);
    expect(reads).toBeGreaterThan(0);
    expect(rows).toBeGreaterThan(0);
    const ready = (await (await fetch(`${hub.url}/readyz`)).json()) as {
      checks: Record<string, boolean>;
    };
    expect(ready.checks.realtime_listener).toBe(true);
  });

  it("relay lag is measured from the commit, not from the statement", async () => {
    // scripts/setup.sh turns it on; without it the hub falls back to the statement time.
    expect(await db.oneFirst(sql.unsafe`SHOW track_commit_timestamp`)).toBe("on");
    const client = await connectClient(hub.url, world.token);
    expect((await client.subscribe(topicName("work_order", world.workOrderId))).ok).toBe(true);
    const lag = async () => {
      const lines = (await metricsText(hub.url)).split("\n");
      const value = (series: string) =>
        Number(lines.find((l) => l.startsWith(`${series} `))?.slice(series.length + 1));
      return {
        count: value("sitesync_relay_lag_seconds_count"),
        underOne: value('sitesync_relay_lag_seconds_bucket{le="1"}'),
      };
    };
    const before = await lag();
    const psql = await plainSql();
    await psql.query("BEGIN");
    await psql.query("UPDATE work_orders SET title = 'slow commit' WHERE id = $1", [
      world.workOrderId,
    ]);
    await sleep(1_500);
    await psql.query("COMMIT");
    await waitFor(() => client.events.some((e) => titleOf(e) === "slow commit"), 5_000, "event");
    const after = await lag();
    // Every observation since `before` is under 1 s; from the UPDATE's occurred_at this
    // one would be over 1.5 s.
    expect(after.count).toBeGreaterThan(before.count);
    expect(after.underOne - before.underOne).toBe(after.count - before.count);
  });
});
