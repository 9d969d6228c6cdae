/**
 * Realtime relay benchmark (docs/benchmarks.md, "Realtime relay").
 *
 *   npm run bench:relay              full run, ~10 minutes
 *   npm run bench:relay -- --quick   ~2 minute smoke with short steps
 *
 * Options: `--plain` (the hub's sockets do not ask for `events` batches), `--client-processes
 * N` (the clients in N processes, default 2; 1 = all in one), `--latency-also plain/1,...`
 * (after the fan-out ramps, the latency step again for each of these arrangements, on fresh
 * connections), `--log FILE` (append the run's key figures to FILE as one JSON line, to
 * compare runs).
 *
 * In one run on one machine: the two physical limits (raw Postgres LISTEN/NOTIFY with no
 * hub; a bare socket.io broadcast with no database) and the hub (a separate
 * `node server/main.ts` process) between them: commit-to-receive latency at 2,000 sockets
 * and fan-out 100, the highest sustained change rate at fan-out 1, and deliveries/s at
 * fan-out 100. Uses its own database (sitesync_bench_relay, dropped at the end) and its own
 * Redis key prefix (deleted at the end). Everything is bounded in count and time.
 */
import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "../server/env.ts";
import { createRedis } from "../server/redis.ts";
import { topicName } from "../shared/realtime/topics.ts";
import { startBareServer } from "./bench/relay/bare-broadcast.ts";
import { ClientPool } from "./bench/relay/clients.ts";
import {
  type Arrangement,
  arrangementLabel,
  configFor,
  parseArrangements,
} from "./bench/relay/config.ts";
import {
  benchBackendPids,
  benchUrls,
  createBenchDatabase,
  dropBenchDatabase,
  serviceClient,
} from "./bench/relay/db.ts";
import { fanoutRamp, latencyPair, type Rig } from "./bench/relay/fanout-ramp.ts";
import { buildFixtures, buildForum, sampleEnvelope } from "./bench/relay/fixtures.ts";
import { spawnHub } from "./bench/relay/hub-process.ts";
import { type HubRamp, measureSmallFanout } from "./bench/relay/hub-throughput.ts";
import { notificationsFor, type WriteTarget, workOrdersOf } from "./bench/relay/hub-writes.ts";
import { measureRawNotify } from "./bench/relay/raw-notify.ts";
import {
  type ArrangedLatency,
  type Machine,
  renderSection,
  runSummary,
  verdicts,
  writeSection,
} from "./bench/relay/report.ts";
import { measureWritePath } from "./bench/relay/write-path.ts";
import { closeWriters, openWriters } from "./bench/relay/writers.ts";

const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8", shell: "/bin/sh" }).trim();
  } catch {
    return "n/a";
  }
};

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    plain: { type: "boolean", default: false },
    "client-processes": { type: "string", default: "2" },
    "latency-also": { type: "string", default: "" },
    log: { type: "string" },
  },
});
const clientProcesses = Number(args["client-processes"]);
if (!Number.isInteger(clientProcesses) || clientProcesses < 1) {
  console.error(`--client-processes wants a whole number ≥ 1, got ${args["client-processes"]}`);
  process.exit(1);
}
const cfg = configFor({ quick: args.quick, batch: !args.plain, clientProcesses });
let alsoArrangements: Arrangement[];
try {
  alsoArrangements = parseArrangements(args["latency-also"]);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
const started = performance.now();
const jwtSecret = randomBytes(32).toString("hex");
const redisPrefix = `bench-relay-${process.pid}`;
const largeSockets = cfg.large.orgs * cfg.large.socketsPerOrg;

const fdLimit = sh("ulimit -n");
// Each client process holds its share of the sockets, the server process all of them.
if (fdLimit !== "unlimited" && Number(fdLimit) < largeSockets + 500) {
  console.error(
    `ulimit -n is ${fdLimit}; ${largeSockets} sockets need at least ${largeSockets + 500}`,
  );
  process.exit(1);
}

async function cleanRedis(): Promise<void> {
  const redis = await createRedis(env, "bench-cleanup");
  try {
    for await (const keys of redis.scanStream({ match: `${redisPrefix}:*`, count: 500 })) {
      if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    }
  } finally {
    await redis.quit();
  }
}

async function main(): Promise<void> {
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(
    `bench:relay${cfg.quick ? " --quick" : ""}, ${arrangementLabel(cfg)}: creating sitesync_bench_relay…`,
  );
  const migrations = await createBenchDatabase();
  const service = await serviceClient();
  const orgs = await buildFixtures(service, {
    orgs: cfg.large.orgs,
    usersPerOrg: cfg.large.usersPerOrg,
    workOrdersPerOrg: cfg.workOrdersPerOrg,
    jwtSecret,
  });
  const forum = await buildForum(service, cfg.wide);
  const envelope = await sampleEnvelope(service, "work_orders", orgs[0]!.workOrderIds[0]!);
  const forumEnvelope = await sampleEnvelope(service, "forum_threads", forum.threadIds[0]![0]!);
  const postgres = (await service.query<{ v: string }>("SELECT version() AS v")).rows[0]!.v;
  await service.end();
  console.log(
    `  ${migrations} migrations, ${orgs.length} organisations, envelope ${JSON.stringify(envelope).length} B`,
  );

  console.log("raw NOTIFY…");
  const raw = await measureRawNotify(cfg);
  console.log(
    `  ${raw.txPerSec.toFixed(0)} tx/s flat out; at ${raw.pacedRate}/s p50 ${raw.paced.p50.toFixed(1)} p95 ${raw.paced.p95.toFixed(1)} p99 ${raw.paced.p99.toFixed(1)} ms`,
  );

  const smallOrgs = orgs.slice(0, cfg.small.sockets);
  const pathOf = async (target: WriteTarget) => {
    console.log(`write path (the benchmark's ${target.table} change with no hub)…`);
    const result = await measureWritePath(cfg, target);
    console.log(
      `  ${result.byWriters.map((w) => `${w.writers} writer(s): ${w.rate.toFixed(0)}/s`).join(", ")}; using ${result.best}`,
    );
    return result;
  };
  const writePath = await pathOf(workOrdersOf(smallOrgs));
  const notificationPath = await pathOf(notificationsFor(smallOrgs));

  const rooms = orgs.map((o) => topicName("org", o.id));
  // Every socket also watches one forum category: organisations 0-9 the first, 10-19 the
  // second (at the defaults), so a thread change reaches 1,000 sockets.
  const categoryRoomOf = (orgIndex: number) =>
    topicName(
      "forum_category",
      forum.categoryIds[Math.floor((orgIndex * forum.categoryIds.length) / orgs.length)] ?? "",
    );
  const wideFanout = (orgs.length / forum.categoryIds.length) * cfg.large.socketsPerOrg;
  const fanout = cfg.large.socketsPerOrg;
  const bareServer = await startBareServer(rooms, envelope);
  const hub = await spawnHub({ jwtSecret, redisPrefix });
  /** The same 2,000 sockets on the bare server and on the hub, arranged as `a` says. */
  const connectBoth = async (a: Arrangement, barePool: ClientPool, hubPool: ClientPool) => {
    console.log(`connecting sockets to the bare server and the hub (${arrangementLabel(a)})…`);
    const bareSockets = await barePool.connect(
      bareServer.url,
      rooms.flatMap((room, o) =>
        Array.from({ length: fanout }, () => ({ auth: {}, topics: [room, categoryRoomOf(o)] })),
      ),
    );
    const t0 = performance.now();
    const hubSockets = await hubPool.connect(
      hub.url,
      orgs.flatMap((o, index) =>
        Array.from({ length: fanout }, (_, i) => ({
          auth: { token: o.tokens[i % o.tokens.length]!, batch: a.batch },
          topics: [topicName("org", o.id), categoryRoomOf(index)],
        })),
      ),
    );
    const connectSeconds = (performance.now() - t0) / 1000;
    console.log(
      `  bare ${bareSockets}, hub ${hubSockets} sockets (hub: authenticated and subscribed in ${connectSeconds.toFixed(1)} s)`,
    );
    return { bareSockets, hubSockets, connectSeconds };
  };
  const barePool = new ClientPool(cfg.clientProcesses);
  const hubPool = new ClientPool(cfg.clientProcesses);
  const writers = await openWriters(benchUrls.service, writePath.best);
  try {
    const { bareSockets, hubSockets, connectSeconds } = await connectBoth(cfg, barePool, hubPool);
    const hubPids: Record<string, number[]> = {
      hub: [hub.child.pid ?? 0],
      clients: hubPool.pids,
      postgres: await benchBackendPids(),
      // This process sends the hub's changes: the load generator's own CPU, shown apart.
      writers: [process.pid],
    };
    const rig: Rig = {
      cfg,
      bare: bareServer,
      barePool,
      hubUrl: hub.url,
      hubPool,
      hubPids,
      writers,
      target: workOrdersOf(orgs),
      bareTarget: { rooms, envelope },
      fanout,
      steps: cfg.fanoutSteps,
      raw: raw.paced,
    };
    const latency = await latencyPair(rig);
    const fan = await fanoutRamp(rig);
    console.log(`fan-out ${wideFanout} (forum categories)…`);
    const wide = await fanoutRamp({
      ...rig,
      target: { table: "forum_threads", groups: forum.threadIds },
      bareTarget: {
        rooms: forum.categoryIds.map((id) => topicName("forum_category", id)),
        envelope: forumEnvelope,
      },
      fanout: wideFanout,
      steps: cfg.wide.steps,
    });
    await barePool.disconnect();
    await hubPool.disconnect();
    const latencyAlso: ArrangedLatency[] = [];
    for (const a of alsoArrangements) {
      const aBare = new ClientPool(a.clientProcesses);
      const aHub = new ClientPool(a.clientProcesses);
      try {
        await connectBoth(a, aBare, aHub);
        const pair = await latencyPair(
          { ...rig, barePool: aBare, hubPool: aHub, hubPids: { ...hubPids, clients: aHub.pids } },
          ` (${arrangementLabel(a)})`,
        );
        latencyAlso.push({ ...a, ...pair });
      } finally {
        await aBare.disconnect().catch(() => {});
        await aHub.disconnect().catch(() => {});
        aBare.close();
        aHub.close();
      }
    }
    bareServer.stop();
    await new Promise((r) => setTimeout(r, 2_000));

    console.log("hub at fan-out 1…");
    // Each socket is the first user of its organisation: its `org:` topic carries the work
    // order changes, its own `user:` room (joined at connect) the notifications.
    const smallSockets = await hubPool.connect(
      hub.url,
      smallOrgs.map((o) => ({
        auth: { token: o.tokens[0]!, batch: cfg.batch },
        topics: [topicName("org", o.id)],
      })),
    );
    const small = await measureSmallFanout(
      cfg,
      hubPool,
      hubPids,
      hub.url,
      writers,
      workOrdersOf(smallOrgs),
      cfg.smallSteps,
      raw.paced,
    );
    const notificationWriters = await openWriters(benchUrls.service, notificationPath.best);
    let smallNotifications: HubRamp;
    try {
      smallNotifications = await measureSmallFanout(
        cfg,
        hubPool,
        // The new writers' backends count as Postgres too.
        { ...hubPids, postgres: await benchBackendPids() },
        hub.url,
        notificationWriters,
        notificationsFor(smallOrgs),
        cfg.notificationSteps,
        raw.paced,
      );
    } finally {
      await closeWriters(notificationWriters);
    }
    await hubPool.disconnect();

    const machine: Machine = {
      date: sh("date -u"),
      commit: sh("git rev-parse --short HEAD"),
      cpus: Number(sh("nproc")) || os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? "unknown CPU",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      postgres: postgres.split(" on ")[0] ?? postgres,
      loadBefore,
      fdLimit,
    };
    const results = {
      cfg,
      machine,
      envelopeBytes: JSON.stringify(envelope).length,
      forumEnvelopeBytes: JSON.stringify(forumEnvelope).length,
      raw,
      writePath,
      notificationPath,
      bareSockets,
      hubSockets,
      connectSeconds,
      fanout,
      latency,
      latencyAlso,
      fan,
      wideFanout,
      wide,
      smallSockets,
      small,
      smallNotifications,
      seconds: (performance.now() - started) / 1000,
    };
    const section = renderSection(results);
    console.log(`\n${section}`);
    const v = verdicts(results);
    console.log(
      `targets: latency p50 ${v.p50 ? "met" : "MISSED"}, p95 ${v.p95 ? "met" : "MISSED"}, p99 ${v.p99 ? "met" : "MISSED"}; ` +
        `small fan-out: work orders ≥ 1,000/s ${v.small ? "met" : "MISSED"}, notifications ≥ 1,000/s ${v.notificationSmall ? "met" : "MISSED"}; large fan-out (${wideFanout}) ${v.large ? "met" : "MISSED"}. Stricter checks: notifications ${(v.notificationRatio * 100).toFixed(0)} % of raw NOTIFY (≥ 50 %: ${v.smallHalf ? "met" : "missed"}), fan-out ${fanout} at ${(v.largeRatio100 * 100).toFixed(0)} % of bare (≥ 80 %: ${v.large100 ? "met" : "missed"})`,
    );
    if (args.log) {
      await appendFile(args.log, `${JSON.stringify(runSummary(results))}\n`);
      console.log(`appended the run's figures to ${args.log}`);
    }
    const doc = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
    await writeSection(doc, section);
    console.log(`wrote the "Realtime relay" section of ${path.relative(process.cwd(), doc)}`);
  } finally {
    await closeWriters(writers);
    await hub.stop();
    bareServer.stop();
    barePool.close();
    hubPool.close();
  }
}

try {
  await main();
} finally {
  await dropBenchDatabase().catch((err: Error) => console.error(`drop failed: ${err.message}`));
  await cleanRedis().catch((err: Error) => console.error(`redis cleanup failed: ${err.message}`));
}
process.exit(0);
