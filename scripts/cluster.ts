/**
 * `npm run cluster`: the scale-out topology on this machine, in the foreground (Ctrl-C or
 * SIGTERM stops everything it started). scripts/cluster.sh runs the set-up, migrations and
 * demo data first. See docs/cluster.md.
 *
 *   npm run cluster                       nginx on :7400, hubs :7401-7403, …
 *   npm run cluster -- --base-port 9100   every port moved (also SITESYNC_CLUSTER_BASE_PORT)
 *   npm run cluster -- --stop             stops what a cluster left behind if it was SIGKILLed
 */
import { existsSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env } from "../server/env.ts";
import { startCluster } from "./cluster/cluster.ts";
import { clusterPortsFromEnv } from "./cluster/config.ts";
import { killLeftovers, recordChildren } from "./cluster/leftovers.ts";

const { values } = parseArgs({
  options: {
    "base-port": { type: "string" },
    dir: { type: "string" },
    stop: { type: "boolean", default: false },
  },
});

const ports = clusterPortsFromEnv(values["base-port"]);
const dir = values.dir ?? path.join(os.tmpdir(), `sitesync-cluster-${ports.nginx}`);
const pidFile = path.join(dir, "cluster.pids.json");

if (existsSync(pidFile)) {
  const n = await killLeftovers(pidFile);
  if (n > 0) console.log(`stopped ${n} process(es) left by an earlier cluster in ${dir}`);
}
if (values.stop) process.exit(0);
rmSync(dir, { recursive: true, force: true });

console.log(`==> SiteSync cluster (logs and generated configs in ${dir})`);
const cluster = await startCluster({
  dir,
  ports,
  database: {
    app: env.DATABASE_URL,
    service: env.SERVICE_DATABASE_URL,
    owner: env.MIGRATION_DATABASE_URL,
  },
  env: { NODE_ENV: env.NODE_ENV, LOG_LEVEL: env.LOG_LEVEL },
  log: (line) => console.log(`    ${line}`),
}).catch((err: Error) => {
  console.error(`cluster failed to start: ${err.message}`);
  process.exit(1);
});
recordChildren(pidFile, cluster);

console.log(`
SiteSync cluster is up:
  ${cluster.url}                 nginx: API + websocket (sticky cookie); /readyz goes to one hub
${cluster.hubs.map((h, i) => `  ${h.url}/readyz          hub ${i + 1} (health check)`).join("\n")}
  /metrics of each hub: Authorization: Bearer ${cluster.appEnv.METRICS_TOKEN}
  workers                                pid ${cluster.workers?.pid()}
  postgres://…@127.0.0.1:${ports.pgbouncer}       PgBouncer, transaction mode (hubs' LISTEN stays direct)
  redis primary :${await cluster.redis.primaryPort()}, sentinels ${cluster.redis.sentinelList} (name ${cluster.redis.name})
Ctrl-C stops everything.`);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the cluster…`);
  await cluster.stop();
  rmSync(pidFile, { force: true });
  console.log("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGHUP", () => void stop("SIGHUP"));
// Keep the pid file honest while processes come and go (nothing restarts them here).
setInterval(() => {
  if (!stopping && existsSync(pidFile)) recordChildren(pidFile, cluster);
}, 5_000).unref();
// Stay in the foreground.
setInterval(() => {}, 1 << 30);
