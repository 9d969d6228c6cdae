import pg from "pg";
import type { Queues } from "../../server/jobs/queues.ts";
import { enqueueNow } from "../../server/jobs/queues.ts";
import type { BenchOrg } from "../bench/relay/fixtures.ts";

/**
 * The soak's three kinds of writes, each carrying its send time at the end of the title so
 * a client can tell its lag:
 * - api: `PATCH /api/v1/work-orders/:id {title}` through nginx (a hub, PgBouncer, the
 *   tenant's RLS context);
 * - sql: a plain `UPDATE work_orders SET title` as the service role, straight to Postgres
 *   (no app code at all: the capture trigger still streams it);
 * - job: an `ops.canary` job, queued in Redis and written by the workers process (a
 *   notification to the organisation's first user), holding its transaction `holdMs`.
 * A failed API write is counted, not retried (it may or may not have committed: the
 * accounting reads what the database has). A job that could not be queued (Redis failing
 * over) is retried under the same job id until it is, so every probe ends up queued once.
 */
export type WriteKind = "api" | "sql" | "job";

export type WriterStats = {
  api: { ok: number; failed: number; skipped: number };
  sql: { ok: number; failed: number };
  job: { queued: number; retries: number };
  /** Every canary probe queued (its notification title is `canary <probe>`). */
  probes: string[];
};

export type Writers = {
  stats: WriterStats;
  /** One write of each kind for every organisation, titled `soak marker <label> <ms>`. */
  markers: (label: string) => Promise<MarkerTitles>;
  stop: () => Promise<void>;
};

/** What each organisation's clients must receive for a marker (the job one: its user's clients only). */
export type MarkerTitles = Array<{ orgId: string; api: string; sql: string; job: string }>;

export type WriterOptions = {
  url: string;
  serviceUrl: string;
  orgs: BenchOrg[];
  queues: Queues;
  rates: { api: number; sql: number; job: number };
  holdMs: number;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const title = (kind: string, tag: string) => `soak ${kind} ${tag} ${Date.now()}`;
const probeId = (tag: string) => `soak-${tag}-${Date.now()}`;

export async function startWriters(o: WriterOptions): Promise<Writers> {
  const stats: WriterStats = {
    api: { ok: 0, failed: 0, skipped: 0 },
    sql: { ok: 0, failed: 0 },
    job: { queued: 0, retries: 0 },
    probes: [],
  };
  const sql = new pg.Pool({
    connectionString: o.serviceUrl,
    application_name: "sitesync-soak",
    max: 4,
  });
  sql.on("error", () => {});
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => {});
    return p;
  };
  const pick = (i: number) => {
    const org = o.orgs[i % o.orgs.length] as BenchOrg;
    // The first work order is the markers'; the steady writes use the others.
    const wos = org.workOrderIds.slice(1);
    return { org, workOrderId: wos[Math.floor(i / o.orgs.length) % wos.length] as string };
  };

  const apiWrite = async (org: BenchOrg, workOrderId: string, t: string): Promise<boolean> => {
    try {
      const res = await fetch(`${o.url}/api/v1/work-orders/${workOrderId}`, {
        method: "PATCH",
        headers: { authorization: `Bearer ${org.tokens[0]}`, "content-type": "application/json" },
        body: JSON.stringify({ title: t }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  };
  const sqlWrite = async (workOrderId: string, t: string): Promise<boolean> => {
    try {
      await sql.query("UPDATE work_orders SET title = $1 WHERE id = $2", [t, workOrderId]);
      return true;
    } catch {
      return false;
    }
  };
  /** Queues the probe, retrying (same job id) until Redis takes it. */
  const queueProbe = async (org: BenchOrg, probe: string): Promise<void> => {
    for (;;) {
      try {
        await enqueueNow(
          o.queues,
          "ops.canary",
          { user_id: org.userIds[0] as string, probe_id: probe, hold_ms: o.holdMs },
          { jobId: probe },
        );
        stats.job.queued++;
        stats.probes.push(probe);
        return;
      } catch {
        stats.job.retries++;
        await sleep(250);
      }
    }
  };

  /** Calls `tick(i)` `rate` times a second until stopped. */
  const paced = (rate: number, tick: (i: number) => void) =>
    (async () => {
      if (rate <= 0) return;
      const period = 1000 / rate;
      const t0 = performance.now();
      for (let i = 0; !stopped; i++) {
        const due = t0 + i * period - performance.now();
        if (due > 0) await sleep(due);
        if (!stopped) tick(i);
      }
    })();

  const loops = [
    paced(o.rates.api, (i) => {
      // Bounded: while PgBouncer restarts, requests wait; do not pile them up.
      if (inFlight.size > 50) {
        stats.api.skipped++;
        return;
      }
      const { org, workOrderId } = pick(i);
      void track(apiWrite(org, workOrderId, title("api", String(i)))).then((ok) => {
        if (ok) stats.api.ok++;
        else stats.api.failed++;
      });
    }),
    paced(o.rates.sql, (i) => {
      const { workOrderId } = pick(i);
      void track(sqlWrite(workOrderId, title("sql", String(i)))).then((ok) => {
        if (ok) stats.sql.ok++;
        else stats.sql.failed++;
      });
    }),
    paced(o.rates.job, (i) => {
      const { org } = pick(i);
      void track(queueProbe(org, probeId(String(i))));
    }),
  ];

  return {
    stats,
    markers: async (label) => {
      const titles: MarkerTitles = [];
      await Promise.all(
        o.orgs.map(async (org, i) => {
          const wo = org.workOrderIds[0] as string;
          const t = {
            orgId: org.id,
            sql: title("marker-sql", `${label}.${i}`),
            api: title("marker-api", `${label}.${i}`),
            job: `canary ${probeId(`marker-${label}.${i}`)}`,
          };
          titles.push(t);
          await sqlWrite(wo, t.sql);
          // The API one is retried until it succeeds: the fault may be the API's path.
          const apiDone = track(
            (async () => {
              for (let i = 0; i < 240 && !(await apiWrite(org, wo, t.api)); i++) await sleep(250);
            })(),
          );
          await queueProbe(org, t.job.slice("canary ".length));
          void apiDone;
        }),
      );
      return titles;
    },
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      await Promise.allSettled([...inFlight]);
      await sql.end().catch(() => {});
    },
  };
}
