/**
 * A/B probe of the hub alone (not a recorded benchmark; figures from it are relative to
 * the other checkout's in the same minutes): 2,000 sockets, fan-out 100, hub steps at
 * PROBE_RATES changes/s (default 300,976) of PROBE_STEP_MS each, for each checkout in
 * PROBE_ROOTS (comma list of directories with server/main.ts and node_modules; default this
 * one), interleaved over PROBE_ROUNDS rounds, a fresh hub per root and round. PROBE_PLAIN=1
 * connects plain sockets. BENCH_HUB_NODE_ARGS reaches the hub (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/p"). Each step prints its CPU split, the hub's Postgres backends
 * (pgHub: pump reads, LISTEN, handshakes) apart from the writers' (pgWriters). Uses the
 * relay benchmark's database, dropped at the end.
 *
 *   node scripts/bench/relay/probe.ts
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import { topicName } from "../../../shared/realtime/topics.ts";
import { ClientPool } from "./clients.ts";
import { configFor } from "./config.ts";
import {
  benchBackendPids,
  benchUrls,
  createBenchDatabase,
  dropBenchDatabase,
  serviceClient,
} from "./db.ts";
import { hubStep, type Rig } from "./fanout-ramp.ts";
import { buildFixtures } from "./fixtures.ts";
import { spawnHub } from "./hub-process.ts";
import { workOrdersOf } from "./hub-writes.ts";
import { closeWriters, openWriters } from "./writers.ts";

const roots = (process.env.PROBE_ROOTS ?? path.resolve(import.meta.dirname, "../../..")).split(",");
const rounds = Number(process.env.PROBE_ROUNDS ?? 2);
const rates = (process.env.PROBE_RATES ?? "300,976").split(",").map(Number);
const stepMs = Number(process.env.PROBE_STEP_MS ?? 6000);
const cfg = configFor({ quick: true, batch: process.env.PROBE_PLAIN !== "1", clientProcesses: 2 });
const jwtSecret = randomBytes(32).toString("hex");

try {
  await createBenchDatabase();
  const service = await serviceClient();
  const orgs = await buildFixtures(service, {
    orgs: 20,
    usersPerOrg: 10,
    workOrdersPerOrg: 40,
    jwtSecret,
  });
  await service.end();
  const writers = await openWriters(benchUrls.service, 4);
  for (let round = 0; round < rounds; round++) {
    for (const root of roots) {
      const before = new Set(await benchBackendPids());
      const hub = await spawnHub({ jwtSecret, redisPrefix: `probe-${process.pid}`, root });
      const pool = new ClientPool(2);
      try {
        await pool.connect(
          hub.url,
          orgs.flatMap((o) =>
            Array.from({ length: 100 }, (_, i) => ({
              auth: { token: o.tokens[i % o.tokens.length]!, batch: cfg.batch },
              topics: [topicName("org", o.id)],
            })),
          ),
        );
        const rig = {
          cfg,
          hubUrl: hub.url,
          hubPool: pool,
          hubPids: {
            hub: [hub.child.pid ?? 0],
            clients: pool.pids,
            pgHub: (await benchBackendPids()).filter((p) => !before.has(p)),
            pgWriters: [...before],
            writers: [process.pid],
          },
          writers,
          target: workOrdersOf(orgs),
          fanout: 100,
        } as unknown as Rig;
        await new Promise((r) => setTimeout(r, 2000));
        for (const rate of rates) {
          const r = await hubStep(rig, rate, stepMs, 1000);
          const cpu = Object.entries(r.cpu.processes)
            .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
            .join(" ");
          console.log(
            `round ${round} ${path.basename(root)} ${rate}/s: achieved ${r.achieved.toFixed(0)} msgs/s ${r.msgsPerSec.toFixed(0)} p50 ${r.latency.p50.toFixed(1)} p95 ${r.latency.p95.toFixed(1)} p99 ${r.latency.p99.toFixed(1)} rows/read ${r.hubLag?.rowsPerRead.toFixed(1)} backlog ${((r.hubLag?.backlogShare ?? 0) * 100).toFixed(0)}% cpu machine ${(r.cpu.machine * 100).toFixed(0)}% ${cpu}`,
          );
          await new Promise((res) => setTimeout(res, 2000));
        }
      } finally {
        await pool.disconnect().catch(() => {});
        pool.close();
        await hub.stop();
      }
    }
  }
  await closeWriters(writers);
} finally {
  await dropBenchDatabase().catch(() => {});
}
process.exit(0);
