import { type ChildProcess, spawn } from "node:child_process";
import { sql } from "slonik";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { LISTENER_APPLICATION_NAME } from "../server/realtime/listener.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { buildUser, sessionFor } from "./factories.ts";
import {
  buildWorld,
  connectClient,
  connected,
  emitAck,
  freePort,
  type HubProcess,
  rawSocket,
  sleep,
  spawnHub,
  titleOf,
  waitFor,
} from "./helpers/realtime.ts";
import { metricsText, testRuntime } from "./helpers/runtime.ts";

/**
 * Guarantees 3 (no loss across listener drops, hub restarts, Redis restarts) and 5
 * (exactly once with N hub processes), with real `node server/main.ts` processes. This
 * test process is the third process that writes.
 */
const runtime = await testRuntime();
const db = runtime.serviceDb;
let world: Awaited<ReturnType<typeof buildWorld>>;
let hubA: HubProcess;
let hubB: HubProcess;

const titleRows = z.object({ title: z.string() });
async function committedTitles(topic: string, afterId: number): Promise<string[]> {
  const rows = await db.any(sql.type(titleRows)`
    SELECT data->>'title' AS title FROM realtime_events
     WHERE topics @> ARRAY[${topic}]::text[] AND id > ${afterId} AND type = 'work_order.updated'
     ORDER BY xid, id`);
  return rows.map((r) => r.title);
}
async function maxEventId(): Promise<number> {
  return db.oneFirst(
    sql.type(
      z.object({ id: z.number() }),
    )`SELECT coalesce(max(id), 0)::int AS id FROM realtime_events`,
  );
}
const setTitle = (title: string, id = world.workOrderId) =>
  db.query(sql.unsafe`UPDATE work_orders SET title = ${title} WHERE id = ${id}`);

beforeAll(async () => {
  world = await buildWorld(db);
  [hubA, hubB] = await Promise.all([spawnHub(), spawnHub()]);
}, 60_000);

describe("scale-out", () => {
  it("two hub processes, clients on both, changes from a third process: each client gets each event once", async () => {
    const topics = [
      topicName("org", world.orgId),
      topicName("site", world.siteId),
      topicName("work_order", world.workOrderId),
    ];
    const sockets = [];
    for (const hub of [hubA, hubB, hubA, hubB]) {
      const socket = rawSocket(hub.url, { token: world.token });
      await connected(socket);
      for (const topic of topics)
        expect((await emitAck(socket, "subscribe", { topic })).ok).toBe(true);
      sockets.push(socket);
    }
    const before = await maxEventId();
    const titles = Array.from({ length: 40 }, (_, i) => `scale ${i}`);
    for (const t of titles) await setTitle(t);
    await db.query(
      sql.unsafe`UPDATE elevators SET floors_served = 20 WHERE id = ${world.elevatorId}`,
    );
    for (const socket of sockets) {
      await waitFor(
        () => socket.events.some((e) => e.entity.type === "elevator"),
        10_000,
        "elevator event",
      );
    }
    await sleep(300);
    const committed = await committedTitles(topicName("org", world.orgId), before);
    expect(committed).toEqual(titles);
    for (const socket of sockets) {
      const wo = socket.events.filter((e) => e.type === "work_order.updated");
      expect(wo.map((e) => titleOf(e))).toEqual(titles);
      expect(new Set(socket.events.map((e) => e.id)).size).toBe(socket.events.length);
    }
  });

  it("typing crosses nodes through the adapter, to the recipient only", async () => {
    const colleague = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const { token } = await sessionFor(db, colleague);
    const sender = rawSocket(hubA.url, { token: world.token });
    const recipient = rawSocket(hubB.url, { token });
    const bystander = rawSocket(hubB.url, { token: world.token });
    await Promise.all([connected(sender), connected(recipient), connected(bystander)]);
    const got: unknown[] = [];
    const stray: unknown[] = [];
    recipient.on("typing", (t: unknown) => got.push(t));
    bystander.on("typing", (t: unknown) => stray.push(t));
    sender.on("typing", (t: unknown) => stray.push(t));
    expect(await emitAck(sender, "typing", { to_user_id: colleague.id })).toEqual({ ok: true });
    await waitFor(() => got.length === 1, 5_000, "typing");
    expect(got[0]).toMatchObject({ from_user_id: world.userId });
    await sleep(200);
    expect(stray).toEqual([]);
  });
});

describe("no loss", () => {
  it("survives pg_terminate_backend on the listeners with changes committed during the gap", async () => {
    const client = await connectClient(hubA.url, world.token);
    const topic = topicName("work_order", world.workOrderId);
    await client.subscribe(topic);
    const before = await maxEventId();
    const killed = await db.oneFirst(sql.type(z.object({ n: z.number() }))`
      SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = ${LISTENER_APPLICATION_NAME}`);
    expect(killed).toBe(2);
    const titles = Array.from({ length: 20 }, (_, i) => `gap ${i}`);
    for (const t of titles) await setTitle(t);
    await waitFor(() => titleOf(client.events.at(-1)) === "gap 19", 10_000, "gap events");
    expect(await committedTitles(topic, before)).toEqual(titles);
    expect(client.events.map((e) => titleOf(e))).toEqual(titles);
    // /readyz reports the listener; it is back.
    for (const hub of [hubA, hubB]) {
      const deadline = Date.now() + 10_000;
      let body: { checks?: Record<string, boolean> } = {};
      while (Date.now() < deadline) {
        const res = await fetch(`${hub.url}/readyz`);
        body = (await res.json()) as typeof body;
        if (res.status === 200) break;
        await sleep(100);
      }
      expect(body.checks?.realtime_listener).toBe(true);
      const metrics = await metricsText(hub.url);
      expect(
        Number(/sitesync_listener_reconnects_total (\d+)/.exec(metrics)?.[1]),
      ).toBeGreaterThanOrEqual(1);
    }
  });

  it("a hub killed and restarted while changes keep committing: clients resume and end with exactly the committed set", async () => {
    const port = await freePort();
    let hub = await spawnHub({ port });
    const client = await connectClient(hub.url, world.token);
    const topic = topicName("work_order", world.workOrderId);
    await client.subscribe(topic);
    const before = await maxEventId();
    const writer = (async () => {
      for (let i = 0; i < 120; i++) {
        await setTitle(`restart ${i}`);
        await sleep(15);
      }
    })();
    await sleep(400);
    await hub.kill("SIGKILL");
    await sleep(300);
    hub = await spawnHub({ port });
    await writer;
    await waitFor(
      () => titleOf(client.events.at(-1)) === "restart 119",
      20_000,
      "all events after restart",
    );
    const committed = await committedTitles(topic, before);
    expect(committed).toHaveLength(120);
    expect(client.events.map((e) => titleOf(e))).toEqual(committed);
  }, 60_000);
});

describe("redis restart", () => {
  let redis: ChildProcess | null = null;
  let redisPort = 0;
  const startRedis = async () => {
    redis = spawn(
      "redis-server",
      ["--port", String(redisPort), "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    await sleep(300);
  };
  afterAll(() => {
    redis?.kill("SIGKILL");
  });

  it("events keep flowing while Redis is down; after it restarts cross-node typing works again and presence missed meanwhile is announced", async () => {
    redisPort = await freePort();
    await startRedis();
    const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}` };
    const [one, two] = await Promise.all([spawnHub({ env }), spawnHub({ env })]);
    const colleague = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const { token } = await sessionFor(db, colleague);
    const sender = await connectClient(one!.url, world.token);
    const recipient = await connectClient(two!.url, token);
    const typing: unknown[] = [];
    recipient.on("typing", (t) => typing.push(t));
    const topic = topicName("work_order", world.workOrderId);
    await sender.subscribe(topic);
    await recipient.subscribe(topic);

    const presence: Array<{ user_id: string; status: string }> = [];
    recipient.on("presence", (p) => presence.push(p));
    await recipient.subscribe(topicName("org", world.orgId)); // presence goes to org: rooms
    const latecomer = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const latecomerSession = await sessionFor(db, latecomer);

    redis?.kill("SIGKILL");
    await sleep(300);
    // Comes online while Redis is away: announced once it is back.
    await connectClient(one!.url, latecomerSession.token);
    for (let i = 0; i < 10; i++) await setTitle(`redis down ${i}`);
    for (const c of [sender, recipient]) {
      await waitFor(
        () => titleOf(c.events.at(-1)) === "redis down 9",
        10_000,
        "events without redis",
      );
    }
    await startRedis();
    // Cross-node typing needs the adapter's subscriber to be back.
    const deadline = Date.now() + 15_000;
    while (typing.length === 0 && Date.now() < deadline) {
      await sender.typing(colleague.id);
      await sleep(250);
    }
    expect(typing.length).toBeGreaterThan(0);
    await waitFor(
      () => presence.some((p) => p.user_id === latecomer.id && p.status === "online"),
      15_000,
      "presence of a user who connected while Redis was down",
    );
    expect(one!.child.exitCode).toBeNull();
    expect(two!.child.exitCode).toBeNull();
    await one!.kill();
    await two!.kill();
  }, 60_000);
});

describe("presence", () => {
  it("is cluster-wide, and a node that dies without goodbye takes its users offline within 30 s", async () => {
    const watcher = rawSocket(hubA.url, { token: world.token });
    await connected(watcher);
    await emitAck(watcher, "subscribe", { topic: topicName("org", world.orgId) });
    const updates: Array<{ user_id: string; status: string; at: number }> = [];
    watcher.on("presence", (p: { user_id: string; status: string }) =>
      updates.push({ ...p, at: Date.now() }),
    );
    const mover = await buildUser(db, { organizationId: world.orgId, role: "technician" });
    const { token } = await sessionFor(db, mover);
    const onB = rawSocket(hubB.url, { token });
    await connected(onB);
    await waitFor(
      () => updates.some((u) => u.user_id === mover.id && u.status === "online"),
      5_000,
      "online",
    );
    const killedAt = Date.now();
    await hubB.kill("SIGKILL");
    await waitFor(
      () => updates.some((u) => u.user_id === mover.id && u.status === "offline"),
      30_000,
      "offline after node death",
    );
    const offline = updates.find((u) => u.user_id === mover.id && u.status === "offline");
    expect(offline!.at - killedAt).toBeLessThan(30_000);
  }, 45_000);
});
