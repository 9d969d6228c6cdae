import path from "node:path";
import pg from "pg";
import { topicName } from "../../../shared/realtime/topics.ts";
import type { Cluster } from "../../cluster/cluster.ts";
import { type CpuSample, cpuMeter } from "../relay/cpu.ts";
import type { BenchOrg } from "../relay/fixtures.ts";
import type { ClusterBenchConfig } from "./config.ts";
import { ForkPool } from "./fork-pool.ts";
import {
  describePhases,
  mergePhases,
  type PhaseSummary,
  type StormPhases,
} from "./storm-phases.ts";

/**
 * The reconnect storm: `sockets` typed clients through nginx, on their organisations'
 * `org:` topics, while changes commit steadily. nginx is stopped (its fast shutdown closes
 * every connection at once) and started again; every client reconnects through it to some
 * hub and re-subscribes from its cursor. A marker committed right after nginx is back
 * reaches a client only once it is re-subscribed and has replayed what it missed, so "all
 * caught up" is the moment the last client has it. Then every client's deliveries are
 * checked against what the database committed on its topic since before the drop.
 */
export type StormResult = {
  sockets: number;
  connectSeconds: number;
  writesPerSec: number;
  /** nginx down and up again. */
  restartMs: number;
  /** Per phase (dropped, reconnected, resubscribed, caught up): how many clients, when. */
  phases: PhaseSummary;
  /** From the drop until every client had the marker (re-subscribed and caught up). */
  caughtUpMs: number;
  committed: number;
  delivered: number;
  lost: number;
  duplicates: number;
  timedOut: boolean;
  /**
   * From the drop until all were caught up (or the timeout): the machine's busy share of
   * all cores, and per group of processes its share of one core (nginx's worker is not
   * its own pid here, so nginx is left out; Postgres, PgBouncer and Redis are the rest).
   */
  cpu: CpuSample;
};

type Account = { committed: number; delivered: number; lost: number; duplicates: number };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function reconnectStorm(
  cfg: ClusterBenchConfig,
  cluster: Cluster,
  orgs: BenchOrg[],
  serviceUrl: string,
  log: (line: string) => void,
): Promise<StormResult> {
  const { sockets, writesPerSec, warmMs, timeoutMs } = cfg.storm;
  const pool = new ForkPool(path.join(import.meta.dirname, "storm-worker.ts"), cfg.clientProcesses);
  const db = new pg.Pool({ connectionString: serviceUrl, max: 4 });
  // An idle client's error (the run's --budget stop drops the database under it) must not
  // crash the process before its clean-up has run.
  db.on("error", (err) => log(`  storm pool: ${err.message}`));
  try {
    const specs = Array.from({ length: sockets }, (_, i) => {
      const org = orgs[i % orgs.length] as BenchOrg;
      const u = Math.floor(i / orgs.length) % org.tokens.length;
      return { token: org.tokens[u] as string, orgId: org.id };
    });
    const t0 = performance.now();
    const shares = pool.split(specs);
    await pool.all((i) => ({ type: "connect", url: cluster.url, specs: shares[i] }));
    const connectSeconds = (performance.now() - t0) / 1000;
    log(`  ${sockets} typed clients through nginx in ${connectSeconds.toFixed(1)} s`);
    const since = (
      await db.query<{ id: string }>("SELECT coalesce(max(id), 0)::text AS id FROM realtime_events")
    ).rows[0]?.id as string;

    let stop = false;
    let seq = 0;
    const writer = (async () => {
      const start = performance.now();
      while (!stop) {
        const org = orgs[seq % orgs.length] as BenchOrg;
        const wo =
          org.workOrderIds[1 + (Math.floor(seq / orgs.length) % (org.workOrderIds.length - 1))];
        await db
          .query("UPDATE work_orders SET title = $1 WHERE id = $2", [
            `storm ${seq} ${Date.now()}`,
            wo,
          ])
          .catch(() => {});
        seq++;
        const due = start + (seq * 1000) / writesPerSec - performance.now();
        if (due > 0) await sleep(due);
      }
    })();
    await sleep(warmMs);

    const drop = Date.now();
    const meter = cpuMeter({
      hubs: cluster.hubs.flatMap((h) => h.pid() ?? []),
      clients: pool.pids,
      orchestrator: [process.pid],
    });
    const t1 = performance.now();
    await cluster.nginx.stop("SIGTERM", 5_000);
    await cluster.nginx.start();
    const restartMs = performance.now() - t1;
    const marker = `marker storm ${Date.now()}`;
    await Promise.all(
      orgs.map((o) =>
        db.query("UPDATE work_orders SET title = $1 WHERE id = $2", [marker, o.workOrderIds[0]]),
      ),
    );

    // Progress every 2 s, so a run that does not finish shows how far clients got.
    let phases = mergePhases([]);
    const deadline = Date.now() + timeoutMs;
    let nextLog = Date.now() + 2_000;
    const done = () => phases.clients > 0 && phases.reached.caughtUp === phases.clients;
    do {
      await sleep(200);
      phases = mergePhases(
        await pool.all<StormPhases>(() => ({ type: "status", marker, since: drop })),
      );
      if (Date.now() >= nextLog && !done()) {
        log(`    ${((Date.now() - drop) / 1000).toFixed(1)} s: ${describePhases(phases)}`);
        nextLog += 2_000;
      }
    } while (!done() && Date.now() < deadline);
    const cpu = meter();
    const timedOut = !done();
    const caughtUpMs = timedOut ? Number.NaN : phases.times.caughtUp.max;
    log(
      `  nginx restarted in ${restartMs.toFixed(0)} ms; ${timedOut ? `TIMED OUT after ${timeoutMs / 1000} s` : `all caught up after ${(caughtUpMs / 1000).toFixed(1)} s`}: ${describePhases(phases)}`,
    );
    await sleep(2_000);
    stop = true;
    await writer;

    // Every client against the database: ids committed on its topic since before the drop.
    let acc: Account = { committed: 0, delivered: 0, lost: 0, duplicates: 0 };
    const until = Date.now() + 20_000;
    do {
      const committed: Record<string, string[]> = {};
      for (const o of orgs) {
        const { rows } = await db.query<{ id: string }>(
          "SELECT id::text AS id FROM realtime_events WHERE id > $1 AND topics @> ARRAY[$2]::text[]",
          [since, topicName("org", o.id)],
        );
        committed[o.id] = rows.map((r) => r.id);
      }
      const parts = await pool.all<Account>(() => ({ type: "account", committed }));
      acc = parts.reduce(
        (a, p) => ({
          committed: a.committed + p.committed,
          delivered: a.delivered + p.delivered,
          lost: a.lost + p.lost,
          duplicates: a.duplicates + p.duplicates,
        }),
        { committed: 0, delivered: 0, lost: 0, duplicates: 0 },
      );
      if (acc.lost > 0) await sleep(500);
    } while (acc.lost > 0 && Date.now() < until);
    const pct = (v: number) => `${(v * 100).toFixed(0)} %`;
    log(
      `  ${acc.delivered.toLocaleString("en-US")} of ${acc.committed.toLocaleString("en-US")} deliveries, ${acc.lost.toLocaleString("en-US")} lost, ${acc.duplicates.toLocaleString("en-US")} duplicated; CPU during the storm: machine ${pct(cpu.machine)} of all cores, ${Object.entries(
        cpu.processes,
      )
        .map(([k, v]) => `${k} ${pct(v)} of a core`)
        .join(", ")}`,
    );
    await pool.all(() => ({ type: "close" }));
    return {
      sockets,
      connectSeconds,
      writesPerSec,
      restartMs,
      phases,
      caughtUpMs,
      ...acc,
      timedOut,
      cpu,
    };
  } finally {
    pool.close();
    await db.end();
  }
}
