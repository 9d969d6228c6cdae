/**
 * Scale-out benchmark (docs/benchmarks.md, "Scale-out"; docs/cluster.md).
 *
 *   npm run bench:cluster                   full run: 10,000 sockets, a 5,000-socket storm, …
 *                                           (~10 min on 2 cores; a quiet machine only)
 *   npm run bench:cluster -- --quick        a small smoke (~1-2 min, a few hundred sockets;
 *                                           also --smoke)
 *   npm run bench:cluster -- --budget 12m   stop (cleanly, exit 2) when the run takes longer
 *                                           (default 13m full, 4m smoke); each step's figures
 *                                           are printed as it ends
 *   npm run bench:cluster -- --base-port N  ports N…N+41 (default 7800, below the ephemeral range)
 *   npm run bench:cluster -- --only storm --storm-sockets 1000 --storm-rate 10
 *                                           only the named steps (memory, relay, storm, rest;
 *                                           comma-separated), the storm's size and its
 *                                           changes/s while it runs (default 50): each step
 *                                           prints its figures; docs/benchmarks.md is written
 *                                           only by a run of every step
 *
 * In one run: memory per idle socket and per subscription on one hub; bench:relay's
 * latency and fan-out 100 steps on one hub beside nginx + 3 hubs, with per-client delivery
 * counts; a reconnect storm through nginx; the dispatch board over REST through PgBouncer
 * and direct. Its own database (sitesync_bench_cluster, dropped at the end), the cluster's
 * own Redis, loopback only; bounded in count and time.
 */
import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { clusterBenchConfig } from "./bench/cluster/config.ts";
import { memoryPerSocket } from "./bench/cluster/memory.ts";
import { relayScenarios } from "./bench/cluster/relay.ts";
import { HEADING, renderClusterBench } from "./bench/cluster/report.ts";
import { restThroughPgBouncer } from "./bench/cluster/rest.ts";
import { reconnectStorm } from "./bench/cluster/storm.ts";
import { buildFixtures } from "./bench/relay/fixtures.ts";
import { BENCH_METRICS_TOKEN, type HubProcess, spawnHub } from "./bench/relay/hub-process.ts";
import { writeSection } from "./bench/relay/report.ts";
import { closeWriters, openWriters } from "./bench/relay/writers.ts";
import { type Cluster, clusterPorts, startCluster } from "./cluster/cluster.ts";
import { basePort, CLUSTER_PORT_SPAN } from "./cluster/config.ts";
import { portOpen } from "./cluster/process.ts";
import { scratchDatabase } from "./lib/scratch-database.ts";

function minutes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)m?$/.exec(v.trim());
  if (!m || Number(m[1]) <= 0) throw new Error(`--budget: expected minutes such as 12m, got ${v}`);
  return Number(m[1]) * 60_000;
}

const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8", shell: "/bin/sh" }).trim();
  } catch {
    return "n/a";
  }
};

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    budget: { type: "string" },
    "base-port": { type: "string" },
    only: { type: "string" },
    "storm-sockets": { type: "string" },
    "storm-rate": { type: "string" },
  },
});
const quick = values.quick || values.smoke;
const cfg = clusterBenchConfig(quick);
const STEPS = ["memory", "relay", "storm", "rest"] as const;
const only = values.only?.split(",").map((x) => x.trim());
const unknown = only?.filter((x) => !(STEPS as readonly string[]).includes(x)) ?? [];
if (unknown.length > 0) {
  console.error(`--only: unknown step ${unknown.join(", ")} (steps: ${STEPS.join(", ")})`);
  process.exit(1);
}
const runs = (s: (typeof STEPS)[number]) => !only || only.includes(s);
if (values["storm-sockets"] !== undefined) {
  const n = Number(values["storm-sockets"]);
  if (!Number.isInteger(n) || n < 1 || n > 20_000) {
    console.error(`--storm-sockets: expected 1..20000, got ${values["storm-sockets"]}`);
    process.exit(1);
  }
  cfg.storm.sockets = n;
}
if (values["storm-rate"] !== undefined) {
  const n = Number(values["storm-rate"]);
  if (!Number.isFinite(n) || n <= 0 || n > 1_000) {
    console.error(`--storm-rate: expected changes/s in (0, 1000], got ${values["storm-rate"]}`);
    process.exit(1);
  }
  cfg.storm.writesPerSec = n;
}
// The cluster's ports from the base, then the lone hub and its inspector past them.
const hubPort = CLUSTER_PORT_SPAN + 8;
const base = basePort(
  values["base-port"] ?? process.env.SITESYNC_BENCH_CLUSTER_BASE_PORT ?? "7800",
  "--base-port",
  hubPort + 1,
);
const budgetMs = minutes(values.budget ?? (quick ? "4m" : "13m"));
const fdLimit = sh("ulimit -n");
const need = Math.max(cfg.memory.sockets, cfg.storm.sockets * 2) + 1_000;
if (fdLimit !== "unlimited" && Number(fdLimit) < need) {
  console.error(`ulimit -n is ${fdLimit}; this run needs at least ${need}`);
  process.exit(1);
}

const db = scratchDatabase("sitesync_bench_cluster");
const dir = path.join(os.tmpdir(), `sitesync-bench-cluster-${base}`);
const jwtSecret = randomBytes(32).toString("hex");
const started = performance.now();
const log = (line: string) => console.log(line);
/** A step's heading with the seconds since the start, so a stopped run shows where time went. */
const step = (line: string) =>
  console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${line}`);
/** Runs a step of the benchmark unless --only leaves it out (then null). */
const stepIf = async <T>(name: (typeof STEPS)[number], heading: string, run: () => Promise<T>) => {
  if (!runs(name)) return null;
  step(heading);
  return run();
};
let cluster: Cluster | null = null;
let hub: HubProcess | null = null;
let writers: pg.Client[] = [];
let stopping: Promise<void> | null = null;
// Once, whether the run ends, fails or runs out of time (the watchdog below).
const cleanUp = () => {
  stopping ??= (async () => {
    await closeWriters(writers);
    await hub?.stop();
    await cluster?.stop();
    await db.drop().catch((err: Error) => console.error(`drop failed: ${err.message}`));
  })();
  return stopping;
};
// The time bound: past the budget, stop everything this run started and exit 2 (the steps
// already finished printed their figures; docs/benchmarks.md is left as it was).
const watchdog = setTimeout(() => {
  console.error(
    `\nbench:cluster: over its ${budgetMs / 60_000} min budget after ${((performance.now() - started) / 1000).toFixed(0)} s; stopping (nothing written to docs/benchmarks.md)`,
  );
  void cleanUp().finally(() => process.exit(2));
}, budgetMs);
watchdog.unref();

try {
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  console.log(`bench:cluster${quick ? " --quick" : ""}: creating ${db.name}…`);
  rmSync(dir, { recursive: true, force: true });
  await db.create();
  const setup = new pg.Client({ connectionString: db.urls.service });
  await setup.connect();
  const orgs = await buildFixtures(setup, {
    orgs: cfg.orgs,
    usersPerOrg: cfg.usersPerOrg,
    workOrdersPerOrg: 6,
    jwtSecret,
  });
  // The REST board's organisation gets more open work orders.
  await setup.query(
    `INSERT INTO work_orders (organization_id, site_id, elevator_id, created_by, type, status, priority, title)
     SELECT w.organization_id, w.site_id, w.elevator_id, w.created_by, 'breakdown', 'pending', 'medium', 'board ' || g
       FROM (SELECT * FROM work_orders WHERE organization_id = $1 LIMIT 1) w, generate_series(1, $2) g`,
    [orgs[0]?.id, cfg.rest.workOrders],
  );
  const postgres = (await setup.query<{ v: string }>("SELECT version() AS v")).rows[0]?.v ?? "";
  await setup.end();

  const appEnv = {
    SITESYNC_SKIP_DOTENV: "1",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    JWT_SECRET: jwtSecret,
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    // Production demands an SMTP server; the bench sends no mail.
    SMTP_URL: process.env.SMTP_URL ?? "smtp://127.0.0.1:1025",
  };
  step("one hub (pools straight to Postgres, the dev Redis)…");
  const inspectPort = base + hubPort + 1;
  for (const p of [base + hubPort, inspectPort])
    if (await portOpen(p)) throw new Error(`port ${p} is in use (pick another --base-port)`);
  hub = await spawnHub({
    port: base + hubPort,
    jwtSecret,
    redisPrefix: `bench-cluster-${process.pid}`,
    urls: db.urls,
    // The memory step runs a full GC in it before each reading (memory.ts).
    nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
  });
  step("the cluster: nginx, 3 hubs, workers, PgBouncer, Redis + Sentinel…");
  cluster = await startCluster({
    dir,
    ports: clusterPorts(base),
    database: db.urls,
    env: appEnv,
    log: (l) => console.log(`  ${l}`),
  });

  const lone = hub;
  const memory = await stepIf(
    "memory",
    `memory per socket (${cfg.memory.sockets} sockets on one hub)…`,
    () =>
      memoryPerSocket(
        cfg,
        { url: lone.url, pid: lone.child.pid ?? 0, metricsToken: BENCH_METRICS_TOKEN, inspectPort },
        orgs,
        log,
      ),
  );

  writers = await openWriters(db.urls.service, 4);
  const c = cluster;
  const relay = await stepIf(
    "relay",
    `relay: one hub, then nginx + 3 hubs (${cfg.relay.sockets} sockets each)…`,
    () =>
      relayScenarios(
        cfg,
        [
          { label: "one hub", url: lone.url, pids: { hub: [lone.child.pid ?? 0] } },
          {
            label: "nginx + 3 hubs",
            url: c.url,
            pids: {
              hub: c.hubs.map((h) => h.pid() ?? 0),
              nginx: [c.nginx.pid() ?? 0],
              pgbouncer: [c.pgbouncer.pid() ?? 0],
            },
          },
        ],
        orgs,
        writers,
        log,
      ),
  );

  const storm = await stepIf(
    "storm",
    `reconnect storm (${cfg.storm.sockets} sockets through nginx)…`,
    () => reconnectStorm(cfg, c, orgs, db.urls.service, log),
  );

  const rest = await stepIf(
    "rest",
    `REST: the dispatch board at ${cfg.rest.concurrency} concurrent requests…`,
    () =>
      restThroughPgBouncer(
        cfg,
        [
          { label: "direct to Postgres", url: lone.url },
          { label: "through PgBouncer (transaction mode)", url: c.hubs[0]?.url ?? "" },
        ],
        orgs[0]?.tokens[0] ?? "",
        log,
      ),
  );

  if (!memory || !relay || !storm || !rest) {
    step(`--only ${only?.join(",")}: done (docs/benchmarks.md is written only by a full run)`);
    process.exitCode = 0;
  } else {
    const section = renderClusterBench({
      cfg,
      memory,
      relay,
      storm,
      rest,
      header: [
        `- Date: ${sh("date -u")}; commit ${sh("git rev-parse --short HEAD")}${quick ? " (--quick: small counts, a smoke, not the targets' sizes)" : ""}`,
        `- Machine: ${sh("nproc")} CPUs (\`nproc\`), ${os.cpus()[0]?.model ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}, ${postgres.split(" on ")[0]}; load average before the run ${loadBefore} (the machine is shared with other engineers' test runs); \`ulimit -n\` ${fdLimit}. Run took ${((performance.now() - started) / 1000).toFixed(0)} s.`,
        "- Everything on the same cores over loopback: Postgres, one hub (`node server/main.ts`, SITESYNC_ROLES=api, NODE_ENV=production, pools straight to Postgres), the cluster of scripts/cluster (nginx with the sticky cookie, 3 hubs and a workers process with their pools through PgBouncer in transaction mode and LISTEN direct, Redis primary + replica + 3 sentinels), the clients in 2 socket.io-client processes, the writers and the orchestrator in the script's process.",
      ],
    });
    console.log(`\n${section}`);
    const doc = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
    await writeSection(doc, section, HEADING);
    console.log(`wrote the "Scale-out" section of ${path.relative(process.cwd(), doc)}`);
  }
} finally {
  clearTimeout(watchdog);
  await cleanUp();
}
process.exit(0);
