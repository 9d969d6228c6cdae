import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findBinary } from "../scripts/cluster/binaries.ts";
import { type RedisGroup, startRedisGroup } from "../scripts/cluster/redis.ts";
import { enqueueNow } from "../server/jobs/queues.ts";
import type { Runtime } from "../server/runtime.ts";
import { type RunningWorkers, startWorkers } from "../workers/start.ts";
import { buildUser, sessionFor } from "./factories.ts";
import {
  buildWorld,
  connected,
  emitAck,
  freePort,
  type HubProcess,
  rawSocket,
  sleep,
  spawnHub,
} from "./helpers/realtime.ts";
import { testRuntime } from "./helpers/runtime.ts";

/**
 * Redis behind Sentinel, failed over for real: a primary, a replica and three sentinels
 * started by this file; the app (this process's runtime and workers, two hub processes)
 * configured with REDIS_SENTINELS only. After SENTINEL FAILOVER every client must be
 * writing to the new primary: rate limits/presence (the main client), BullMQ, and the
 * socket.io adapter between the hubs.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), "sitesync-sentinel-"));
let group: RedisGroup;
let runtime: Runtime;
let workers: RunningWorkers;
let hubs: HubProcess[];
let world: Awaited<ReturnType<typeof buildWorld>>;
let colleagueToken: string;
let colleagueId: string;
const prefix = process.env.REDIS_KEY_PREFIX as string;

const onPort = async <T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> => {
  const r = new Redis({ host: "127.0.0.1", port, lazyConnect: true });
  await r.connect();
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
};

/** Retries `fn` until it stops throwing: how long the app needs to come back after a fault. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}

beforeAll(async () => {
  const redisServer = findBinary("redis-server");
  if (!redisServer) throw new Error("redis-server is not installed (scripts/setup.sh)");
  const ports = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  group = await startRedisGroup({
    dir,
    redisServer,
    name: "sitesync-test",
    dataPorts: [ports[0]!, ports[1]!],
    sentinelPorts: ports.slice(2),
  });
  const env = { REDIS_SENTINELS: group.sentinelList, REDIS_SENTINEL_NAME: group.name };
  runtime = await testRuntime(env);
  workers = await startWorkers(runtime, { schedules: [] });
  world = await buildWorld(runtime.serviceDb);
  const colleague = await buildUser(runtime.serviceDb, {
    organizationId: world.orgId,
    role: "technician",
  });
  colleagueToken = (await sessionFor(runtime.serviceDb, colleague)).token;
  colleagueId = colleague.id;
  hubs = await Promise.all([spawnHub({ env }), spawnHub({ env })]);
}, 90_000);

afterAll(async () => {
  await workers?.close(0);
  await group?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function typingCrossesNodes(): Promise<void> {
  const sender = rawSocket(hubs[0]!.url, { token: world.token });
  const recipient = rawSocket(hubs[1]!.url, { token: colleagueToken });
  await Promise.all([connected(sender), connected(recipient)]);
  const got: unknown[] = [];
  recipient.on("typing", (t: unknown) => got.push(t));
  try {
    expect(await emitAck(sender, "typing", { to_user_id: colleagueId })).toEqual({ ok: true });
    const deadline = Date.now() + 2_000;
    while (got.length === 0 && Date.now() < deadline) await sleep(20);
    if (got.length === 0) throw new Error("typing did not cross the nodes");
  } finally {
    sender.close();
    recipient.close();
  }
}
async function jobRuns(monthsAhead: number): Promise<void> {
  const queue = workers.queues.get("maintenance");
  const id = await enqueueNow(workers.queues, "maintenance.ensure-audit-partitions", {
    months_ahead: monthsAhead,
  });
  let state = "";
  for (let i = 0; i < 150 && state !== "completed" && state !== "failed"; i++) {
    await sleep(100);
    state = String(await (await queue.getJob(id))?.getState());
  }
  expect(state).toBe("completed");
}

describe("Redis Sentinel failover", () => {
  it("before: every client works against the primary the sentinels name", async () => {
    const primary = await group.primaryPort();
    await runtime.redis.set(`${prefix}:probe`, "before");
    expect(await onPort(primary, (r) => r.get(`${prefix}:probe`))).toBe("before");
    await jobRuns(4);
    await eventually(typingCrossesNodes);
  });

  it("after SENTINEL FAILOVER: the app writes to the new primary, jobs run, the adapter crosses nodes, /readyz is green", async () => {
    const { from, to } = await group.failover();
    expect(to).not.toBe(from);
    await eventually(() => runtime.redis.set(`${prefix}:probe`, "after"));
    expect(await onPort(to, (r) => r.get(`${prefix}:probe`))).toBe("after");
    // The old primary is now a replica of the new one.
    await eventually(async () => {
      const info = await onPort(from, (r) => r.info("replication"));
      if (!/role:slave/.test(info)) throw new Error("old primary not demoted yet");
    });
    await jobRuns(5);
    await eventually(typingCrossesNodes);
    // Presence heartbeats of both hubs land on the new primary.
    await eventually(async () => {
      const keys = await onPort(to, (r) => r.keys(`${prefix}:presence:node:*`));
      if (keys.length < 2) throw new Error(`presence heartbeats: ${keys.length}`);
    });
    for (const hub of hubs) {
      const ready = await eventually(async () => {
        const res = await fetch(`${hub.url}/readyz`);
        if (res.status !== 200) throw new Error(`readyz ${res.status}`);
        return (await res.json()) as { checks: Record<string, boolean> };
      });
      expect(ready.checks.redis).toBe(true);
    }
  });
});
