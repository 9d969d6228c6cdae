import pg from "pg";
import type { Env } from "../../server/env.ts";
import { createQueues } from "../../server/jobs/queues.ts";
import { buildFixtures } from "../bench/relay/fixtures.ts";
import type { Cluster } from "../cluster/cluster.ts";
import { type Accounting, account, SoakDatabase } from "./accounting.ts";
import { connectSoakClient, type LagSample, type SoakClient } from "./clients.ts";
import { type FaultKind, inject } from "./faults.ts";
import { startWriters, type WriterStats } from "./writers.ts";

/**
 * The soak (docs/cluster.md): steady writes from the API, a worker and plain SQL; clients
 * on all three hubs through nginx; faults injected one after another, each followed until
 * the system has recovered; then every client's deliveries are held against what the
 * database committed. Bounded: `durationMs`, plus at most `recoveryTimeoutMs` per fault
 * and `drainTimeoutMs` at the end.
 */
export type SoakOptions = {
  cluster: Cluster;
  /** The soak database's name and its direct service-role URL. */
  database: { name: string; serviceUrl: string };
  /** The env the app processes run with (the soak's own queue client uses it). */
  env: Env;
  jwtSecret: string;
  durationMs: number;
  faults: FaultKind[];
  clients: number;
  /** Share of clients that start on HTTP long-polling (sticky cookie) before upgrading. */
  pollingShare: number;
  orgs: number;
  rates: { api: number; sql: number; job: number };
  holdMs: number;
  recoveryTimeoutMs: number;
  drainTimeoutMs: number;
  log: (line: string) => void;
};

export type FaultResult = {
  kind: FaultKind;
  /** Seconds since the writes began. */
  at: number;
  detail: string;
  recovered: boolean;
  /**
   * From the fault until the last client had every marker written right after it (and, for
   * a killed worker, the job it was running): what clients and writers lived through.
   */
  recoveryMs: number;
  /** How long the fault's own repair (a restart) took, when it has one. */
  restartMs: number;
  /** Highest write-to-client lag of the writes sent while it lasted. */
  maxLagMs: number;
  /** When it did not recover: what some clients were still waiting for. */
  waitingFor: string[];
  apiFailures: number;
};

export type SoakReport = {
  durationMs: number;
  clients: number;
  pollingClients: number;
  /** Sockets per hub after the clients connected (from each hub's /metrics). */
  hubSockets: number[];
  reconnects: number;
  writes: WriterStats;
  faults: FaultResult[];
  accounting: Accounting;
  /** Write-to-client lag of everything sent outside the fault windows. */
  steadyLag: { p50: number; p99: number; max: number; samples: number };
  problems: string[];
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Each hub's /metrics (with the cluster's METRICS_TOKEN). */
export async function hubMetrics(cluster: Cluster): Promise<string[]> {
  const token = cluster.appEnv.METRICS_TOKEN;
  return Promise.all(
    cluster.hubs.map(async (h) => {
      try {
        const res = await fetch(`${h.url}/metrics`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
        return res.ok ? await res.text() : "";
      } catch {
        return "";
      }
    }),
  );
}

async function hubSockets(cluster: Cluster): Promise<number[]> {
  return (await hubMetrics(cluster)).map((text) =>
    Number(/^sitesync_sockets_connected (\d+)/m.exec(text)?.[1] ?? 0),
  );
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const { cluster, log } = o;
  const db = new SoakDatabase(o.database.serviceUrl);
  await db.connect();
  const setup = new pg.Client({ connectionString: o.database.serviceUrl });
  await setup.connect();
  const usersPerOrg = 2;
  const orgs = await buildFixtures(setup, {
    orgs: o.orgs,
    usersPerOrg,
    workOrdersPerOrg: 6,
    jwtSecret: o.jwtSecret,
  });
  await setup.end();
  const since = await db.maxEventId();
  const queues = await createQueues(o.env);
  const lags: LagSample[] = [];
  const clients: SoakClient[] = [];
  const problems: string[] = [];
  try {
    const polling = Math.round(o.clients * o.pollingShare);
    const specFor = (index: number) => {
      const org = orgs[index % orgs.length]!;
      const u = Math.floor(index / orgs.length) % usersPerOrg;
      return {
        index,
        orgId: org.id,
        userId: org.userIds[u]!,
        token: org.tokens[u]!,
        polling:
          index % Math.max(1, Math.round(o.clients / Math.max(polling, 1))) === 0 && polling > 0,
      };
    };
    log(`connecting ${o.clients} clients through nginx (${polling} long-polling first)…`);
    for (let i = 0; i < o.clients; i += 10) {
      const batch = Array.from({ length: Math.min(10, o.clients - i) }, (_, k) => specFor(i + k));
      clients.push(
        ...(await Promise.all(batch.map((s) => connectSoakClient(cluster.url, s, lags)))),
      );
    }
    // nginx spreads cookie-less connections at random: add a few until every hub has some.
    let sockets = await hubSockets(cluster);
    for (let extra = 0; sockets.some((n) => n === 0) && extra < 30; extra++) {
      clients.push(await connectSoakClient(cluster.url, specFor(clients.length), lags));
      sockets = await hubSockets(cluster);
    }
    log(`  sockets per hub: ${sockets.join(", ")}`);
    if (sockets.some((n) => n === 0)) problems.push(`a hub got no clients (${sockets.join(", ")})`);

    const writers = await startWriters({
      url: cluster.url,
      serviceUrl: o.database.serviceUrl,
      orgs,
      queues,
      rates: o.rates,
      holdMs: o.holdMs,
    });
    const t0 = Date.now();
    const faults: FaultResult[] = [];
    const ctx = {
      cluster,
      serviceUrl: o.database.serviceUrl,
      database: o.database.name,
      queues,
      hubTurn: 0,
    };
    const spacing = o.durationMs / (o.faults.length + 1);
    for (const [k, kind] of o.faults.entries()) {
      const wait = t0 + (k + 1) * spacing - Date.now();
      if (wait > 0) await sleep(wait);
      const failedBefore = writers.stats.api.failed;
      const at = Date.now();
      log(`fault ${k + 1}/${o.faults.length} at ${((at - t0) / 1000).toFixed(0)} s: ${kind}…`);
      const injected = await inject(kind, ctx);
      const titles = await writers.markers(`${k + 1}`);
      // Who must receive what: each organisation's clients its API and SQL markers, its
      // canary user's clients the job marker and the probe a killed worker was running.
      const expected: Array<{ who: SoakClient[]; title: string }> = titles.flatMap((t) => {
        const org = orgs.find((g) => g.id === t.orgId)!;
        const ofOrg = clients.filter((c) => c.orgId === org.id);
        const ofUser = ofOrg.filter((c) => c.userId === org.userIds[0]);
        return [
          { who: ofOrg, title: t.sql },
          { who: ofOrg, title: t.api },
          { who: ofUser, title: t.job },
        ];
      });
      const killed = injected.killedJob;
      if (killed) {
        expected.push({
          who: clients.filter((c) => c.userId === killed.userId),
          title: `canary ${killed.probe}`,
        });
      }
      let repairedAt = Number.NaN;
      void injected.repaired.then(
        () => {
          repairedAt = Date.now();
        },
        (err: Error) => problems.push(`${kind}: repair failed: ${err.message}`),
      );
      const deadline = at + o.recoveryTimeoutMs;
      const done = () =>
        !Number.isNaN(repairedAt) &&
        expected.every((e) => e.who.every((c) => c.titles.has(e.title)));
      while (!done() && Date.now() < deadline) await sleep(50);
      const recovered = done();
      const waitingFor = [
        ...(Number.isNaN(repairedAt) ? ["the repair (restart)"] : []),
        ...expected.flatMap((e) => {
          const waiting = e.who.filter((c) => !c.titles.has(e.title)).length;
          return waiting > 0 ? [`${e.title}: ${waiting} of ${e.who.length} clients`] : [];
        }),
      ];
      const last = Math.max(
        ...expected.flatMap((e) => e.who.map((c) => c.titles.get(e.title) ?? Number.NaN)),
      );
      const recoveryMs = recovered ? last - at : Number.NaN;
      const windowEnd = recovered ? Math.max(last, repairedAt) : Date.now();
      let maxLagMs = 0;
      for (const s of lags)
        if (s.sentMs >= at && s.sentMs <= windowEnd) maxLagMs = Math.max(maxLagMs, s.lagMs);
      const result: FaultResult = {
        kind,
        at: (at - t0) / 1000,
        detail: injected.detail,
        recovered,
        recoveryMs,
        restartMs: injected.restarts ? repairedAt - at : Number.NaN,
        maxLagMs,
        apiFailures: writers.stats.api.failed - failedBefore,
        waitingFor,
      };
      faults.push(result);
      log(
        `  ${injected.detail}: ${recovered ? `recovered in ${(recoveryMs / 1000).toFixed(1)} s` : "NOT recovered"}, max lag ${maxLagMs} ms, ${result.apiFailures} API writes failed`,
      );
      if (!recovered)
        problems.push(
          `${kind} (${injected.detail}) not recovered within ${o.recoveryTimeoutMs} ms (waiting for ${waitingFor.join("; ")})`,
        );
    }
    const rest = t0 + o.durationMs - Date.now();
    if (rest > 0) await sleep(rest);
    log("stopping the writers; accounting…");
    await writers.stop();
    const accounting = await account(db, clients, since, writers.stats.probes, o.drainTimeoutMs);

    const inFault = (ms: number) =>
      faults.some((f) => {
        const from = t0 + f.at * 1000;
        const to = from + (Number.isNaN(f.recoveryMs) ? o.recoveryTimeoutMs : f.recoveryMs);
        return ms >= from && ms <= to;
      });
    const steady = lags.filter((s) => !inFault(s.sentMs)).map((s) => s.lagMs);
    steady.sort((a, b) => a - b);
    if (accounting.lost > 0) problems.push(`${accounting.lost} deliveries lost`);
    if (accounting.duplicated > 0)
      problems.push(`${accounting.duplicated} duplicates after de-duplication`);
    if (accounting.unexpected > 0)
      problems.push(`${accounting.unexpected} deliveries the database never committed`);
    if (accounting.jobs.missing > 0)
      problems.push(`${accounting.jobs.missing} queued jobs never committed`);
    if (accounting.jobs.duplicated > 0)
      problems.push(`${accounting.jobs.duplicated} jobs committed twice`);
    if (accounting.committed === 0) problems.push("nothing was committed");
    return {
      durationMs: Date.now() - t0,
      clients: clients.length,
      pollingClients: clients.filter((c) => c.polling).length,
      hubSockets: sockets,
      reconnects: clients.reduce((n, c) => n + c.reconnects, 0),
      writes: writers.stats,
      faults,
      accounting,
      steadyLag: {
        p50: quantile(steady, 0.5),
        p99: quantile(steady, 0.99),
        max: steady.at(-1) ?? Number.NaN,
        samples: steady.length,
      },
      problems,
    };
  } finally {
    for (const c of clients) c.client.close();
    await queues.close().catch(() => {});
    await db.end();
  }
}
