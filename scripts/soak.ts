/**
 * `npm run soak`: the cluster under steady writes and faults, then every client's
 * deliveries against what the database committed (docs/cluster.md). Exits 1 on any loss,
 * duplicate, missing job or unrecovered fault. Bounded: the duration (default 5 min) plus
 * at most 60 s of recovery per fault and 60 s of draining. Its own database
 * (sitesync_soak, dropped at the end), its own Redis (the cluster's), loopback only.
 *
 *   npm run soak                          5 minutes, a fault every ~25 s (each kind in turn)
 *   npm run soak -- --duration 60s        shorter (30s, 2m, … or seconds)
 *   npm run soak -- --faults hub,redis    only these, in this order
 *   npm run soak -- --base-port 7600      ports (default 7500, SITESYNC_SOAK_BASE_PORT)
 */

import { execSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseEnv } from "../server/env.ts";
import { type Cluster, clusterPorts, startCluster } from "./cluster/cluster.ts";
import { basePort } from "./cluster/config.ts";
import { scratchDatabase } from "./lib/scratch-database.ts";
import { FAULT_KINDS, type FaultKind } from "./soak/faults.ts";
import { renderSoak } from "./soak/report.ts";
import { runSoak } from "./soak/run.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5m" },
    faults: { type: "string" },
    clients: { type: "string", default: "60" },
    "base-port": { type: "string" },
  },
});

function durationMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(v.trim());
  if (!m) throw new Error(`--duration: expected e.g. 30s, 5m or seconds, got ${v}`);
  const ms = Number(m[1]) * (m[2] === "m" ? 60_000 : 1_000);
  if (ms < 10_000 || ms > 3_600_000) throw new Error("--duration must be between 10 s and 1 h");
  return ms;
}

const duration = durationMs(values.duration);
const faults: FaultKind[] = values.faults
  ? values.faults.split(",").map((f) => {
      if (!(FAULT_KINDS as readonly string[]).includes(f))
        throw new Error(`--faults: unknown ${f} (${FAULT_KINDS.join(", ")})`);
      return f as FaultKind;
    })
  : Array.from(
      { length: Math.max(FAULT_KINDS.length, Math.floor(duration / 25_000)) },
      (_, i) => FAULT_KINDS[i % FAULT_KINDS.length] as FaultKind,
    );
const clients = Number(values.clients);
if (!Number.isInteger(clients) || clients < 3 || clients > 2_000)
  throw new Error("--clients must be 3-2000");
const base = basePort(
  values["base-port"] ?? process.env.SITESYNC_SOAK_BASE_PORT ?? "7500",
  "--base-port",
);

const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8" }).trim();
  } catch {
    return "n/a";
  }
};

const db = scratchDatabase("sitesync_soak");
const dir = path.join(os.tmpdir(), `sitesync-soak-${base}`);
const jwtSecret = randomBytes(32).toString("hex");
let cluster: Cluster | null = null;
let code = 1;
try {
  console.log(
    `soak: ${duration / 1000} s, ${faults.length} faults (${faults.join(", ")}), ${clients} clients`,
  );
  rmSync(dir, { recursive: true, force: true });
  await db.create();
  const loadBefore = os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  cluster = await startCluster({
    dir,
    ports: clusterPorts(base),
    database: db.urls,
    env: {
      SITESYNC_SKIP_DOTENV: "1",
      NODE_ENV: "development",
      LOG_LEVEL: "warn",
      JWT_SECRET: jwtSecret,
      REDIS_KEY_PREFIX: "soak",
      // A killed worker's job is taken over within ~2 × this.
      WORKER_LOCK_MS: "3000",
    },
    log: (l) => console.log(`  ${l}`),
  });
  const started = performance.now();
  const report = await runSoak({
    cluster,
    database: { name: db.name, serviceUrl: db.urls.service },
    env: parseEnv({ ...process.env, ...cluster.appEnv }),
    jwtSecret,
    durationMs: duration,
    faults,
    clients,
    pollingShare: 0.25,
    orgs: 3,
    rates: { api: 5, sql: 10, job: 2 },
    holdMs: 500,
    recoveryTimeoutMs: 60_000,
    drainTimeoutMs: 60_000,
    log: (l) => console.log(l),
  });
  console.log(
    `\n${renderSoak(report, [
      `### Soak, ${new Date().toISOString()}`,
      "",
      `- Commit ${sh("git rev-parse --short HEAD")}; ${sh("nproc")} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average before ${loadBefore}; Node ${process.version}. Ran ${((performance.now() - started) / 1000).toFixed(0)} s.`,
      `- Cluster: nginx, 3 hubs, 1 workers process (WORKER_LOCK_MS 3000), PgBouncer (transaction mode), Redis primary + replica + 3 sentinels, all on this machine (scripts/cluster); logs in ${dir}.`,
    ])}`,
  );
  code = report.problems.length === 0 ? 0 : 1;
} catch (err) {
  console.error(`soak failed: ${(err as Error).stack ?? err}`);
} finally {
  await cluster?.stop();
  await db.drop().catch((err: Error) => console.error(`drop failed: ${err.message}`));
}
process.exit(code);
