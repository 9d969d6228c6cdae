import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { missingClusterBinaries } from "../scripts/cluster/binaries.ts";
import { allPorts, type Cluster, clusterPorts, startCluster } from "../scripts/cluster/cluster.ts";
import { portOpen } from "../scripts/cluster/process.ts";
import { FAULT_KINDS } from "../scripts/soak/faults.ts";
import { renderSoak } from "../scripts/soak/report.ts";
import { runSoak, type SoakReport } from "../scripts/soak/run.ts";
import { parseEnv } from "../server/env.ts";

/**
 * The short soak (docs/cluster.md): the real cluster (nginx, 3 hub processes, a workers
 * process, PgBouncer, Redis primary + replica + 3 sentinels) over this file's database,
 * ~30 s of writes from the API, a worker and plain SQL with one fault of each kind, then
 * every client's deliveries against what the database committed. CI installs the engines
 * (scripts/setup.sh); a developer machine without them skips this file and says why.
 */
const missing = missingClusterBinaries();
const runIt = missing.length === 0 || Boolean(process.env.CI);

async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+): a port there can be taken between our check
    // and the bind by any outgoing connection of the parallel test files (a sentinel died
    // of EADDRINUSE in CI that way).
    const base = 20_000 + Math.floor(Math.random() * 120) * 100;
    const busy = await Promise.all(allPorts(clusterPorts(base)).map((p) => portOpen(p)));
    if (!busy.some(Boolean)) return base;
  }
  throw new Error("no free port range for the cluster");
}

const dir = mkdtempSync(path.join(os.tmpdir(), "sitesync-soak-test-"));
let cluster: Cluster | null = null;
let report: SoakReport;
const jwtSecret = randomBytes(32).toString("hex");

beforeAll(async () => {
  if (!runIt) return;
  const url = (name: string) => process.env[name] as string;
  cluster = await startCluster({
    dir,
    ports: clusterPorts(await freeBase()),
    database: {
      app: url("DATABASE_URL"),
      service: url("SERVICE_DATABASE_URL"),
      owner: url("MIGRATION_DATABASE_URL"),
    },
    env: {
      SITESYNC_SKIP_DOTENV: "1",
      NODE_ENV: "test",
      LOG_LEVEL: "warn",
      JWT_SECRET: jwtSecret,
      REDIS_KEY_PREFIX: url("REDIS_KEY_PREFIX"),
      WORKER_LOCK_MS: "3000",
    },
  });
  report = await runSoak({
    cluster,
    database: { name: url("TEST_DATABASE_NAME"), serviceUrl: url("SERVICE_DATABASE_URL") },
    env: parseEnv({ ...process.env, ...cluster.appEnv }),
    jwtSecret,
    durationMs: 30_000,
    faults: [...FAULT_KINDS],
    clients: 12,
    pollingShare: 0.25,
    orgs: 2,
    rates: { api: 4, sql: 6, job: 2 },
    holdMs: 400,
    recoveryTimeoutMs: 90_000,
    drainTimeoutMs: 30_000,
    log: () => {},
  });
  console.log(renderSoak(report, ["short soak (test/cluster-soak.test.ts)", ""]));
}, 600_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!runIt)(
  `short soak under faults${runIt ? "" : ` (skipped: ${missing.join(", ")} not installed; scripts/setup.sh installs them as root on Debian)`}`,
  () => {
    it("clients sat on all three hubs, some on long-polling through the sticky cookie", () => {
      expect(report.hubSockets).toHaveLength(3);
      for (const n of report.hubSockets) expect(n).toBeGreaterThan(0);
      expect(report.pollingClients).toBeGreaterThan(0);
    });

    it("every fault kind was injected once, and each recovered", () => {
      expect(report.faults.map((f) => f.kind)).toEqual([...FAULT_KINDS]);
      for (const f of report.faults)
        expect(f, `${f.kind}: ${f.detail}`).toMatchObject({ recovered: true });
      // The worker was killed while a job ran, and that job still committed (once).
      expect(report.faults.find((f) => f.kind === "worker")?.detail).toMatch(/killed during job/);
    });

    it("writes came from the API, a worker and plain SQL", () => {
      expect(report.writes.api.ok).toBeGreaterThan(20);
      expect(report.writes.sql.ok).toBeGreaterThan(50);
      expect(report.writes.job.queued).toBeGreaterThan(10);
    });

    it("nothing lost, nothing duplicated, every job committed once", () => {
      const a = report.accounting;
      expect(a.committed).toBeGreaterThan(0);
      expect({
        lost: a.lost,
        duplicated: a.duplicated,
        unexpected: a.unexpected,
        jobsMissing: a.jobs.missing,
        jobsTwice: a.jobs.duplicated,
        examples: a.examples,
      }).toEqual({
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        jobsMissing: 0,
        jobsTwice: 0,
        examples: [],
      });
      expect(a.delivered).toBe(a.committed);
      expect(report.problems).toEqual([]);
    });
  },
);
