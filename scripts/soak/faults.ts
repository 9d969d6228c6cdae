import pg from "pg";
import type { Queues } from "../../server/jobs/queues.ts";
import { LISTENER_APPLICATION_NAME } from "../../server/realtime/listener.ts";
import type { Cluster } from "../cluster/cluster.ts";

/**
 * The faults the soak injects, each as an operator or a crash would: nothing here reaches
 * into the app's processes other than by signals, SQL and the engines' own admin commands.
 */
export const FAULT_KINDS = ["hub", "listeners", "redis", "pgbouncer", "worker"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_LABELS: Record<FaultKind, string> = {
  hub: "hub SIGKILLed and restarted",
  listeners: "listeners' Postgres backends terminated",
  redis: "Redis failed over (SENTINEL FAILOVER)",
  pgbouncer: "PgBouncer restarted",
  worker: "worker SIGKILLed mid-job and restarted",
};

/** The job relay's LISTEN connection in the workers (workers/outbox-relay.ts). */
const JOB_RELAY_APPLICATION_NAME = "sitesync-job-relay";

export type Injected = {
  /** What happened, for the report (e.g. "hub 2", "3 backends", "7420 → 7421"). */
  detail: string;
  /** The canary job that was running in the killed worker: it must still complete, once. */
  killedJob?: { probe: string; userId: string };
  /** Resolves when the fault's own repair (a restart) is done. */
  repaired: Promise<void>;
  /** The fault has a repair of its own (a restart), timed apart from the recovery. */
  restarts: boolean;
};

export type FaultContext = {
  cluster: Cluster;
  serviceUrl: string;
  database: string;
  queues: Queues;
  /** Which hub the next hub fault kills (they take turns). */
  hubTurn: number;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function terminateListeners(serviceUrl: string, database: string): Promise<number> {
  const c = new pg.Client({ connectionString: serviceUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = ANY($2::text[])`,
      [database, [LISTENER_APPLICATION_NAME, JOB_RELAY_APPLICATION_NAME]],
    );
    return rows[0]?.n ?? 0;
  } finally {
    await c.end();
  }
}

export async function inject(kind: FaultKind, ctx: FaultContext): Promise<Injected> {
  const { cluster } = ctx;
  switch (kind) {
    case "hub": {
      const i = ctx.hubTurn++ % cluster.hubs.length;
      const hub = cluster.hubs[i];
      if (!hub) throw new Error("no hub");
      await hub.kill();
      // Restarted at once, as a supervisor would; its clients have gone elsewhere meanwhile.
      return { detail: `hub ${i + 1}`, repaired: hub.start(), restarts: true };
    }
    case "listeners": {
      const n = await terminateListeners(ctx.serviceUrl, ctx.database);
      return { detail: `${n} backends`, repaired: Promise.resolve(), restarts: false };
    }
    case "redis": {
      const { from, to } = await cluster.redis.failover();
      return { detail: `primary :${from} → :${to}`, repaired: Promise.resolve(), restarts: false };
    }
    case "pgbouncer": {
      // SIGTERM: PgBouncer's immediate shutdown, every client connection cut.
      await cluster.pgbouncer.stop("SIGTERM");
      return {
        detail: "immediate shutdown, then start",
        repaired: cluster.pgbouncer.start(),
        restarts: true,
      };
    }
    case "worker": {
      const workers = cluster.workers;
      if (!workers) throw new Error("the cluster runs no workers");
      // Wait (bounded) for a canary job to be running, so the kill lands mid-job.
      const queue = ctx.queues.get("maintenance");
      let job: { probe: string; userId: string } | undefined;
      for (let i = 0; i < 100 && job === undefined; i++) {
        const active = await queue.getActive(0, 0);
        const data = active[0]?.data as { probe_id?: unknown; user_id?: unknown } | undefined;
        if (typeof data?.probe_id === "string" && typeof data.user_id === "string") {
          job = { probe: data.probe_id, userId: data.user_id };
        } else await sleep(50);
      }
      await workers.kill();
      return {
        detail: job ? `killed during job ${job.probe}` : "no job was running",
        ...(job ? { killedJob: job } : {}),
        repaired: workers.start(),
        restarts: true,
      };
    }
  }
}
