import type pg from "pg";
import { topicName } from "../../../shared/realtime/topics.ts";
import { ClientPool } from "../relay/clients.ts";
import { configFor } from "../relay/config.ts";
import type { BenchOrg } from "../relay/fixtures.ts";
import { hubWrites, workOrdersOf } from "../relay/hub-writes.ts";
import { logStep, runStep, type StepResult } from "../relay/steps.ts";
import type { PerSocket } from "../relay/worker-protocol.ts";
import type { ClusterBenchConfig } from "./config.ts";

/**
 * bench:relay's latency step and fan-out 100 ramp, on one hub and through nginx to three
 * hubs, interleaved step by step so both meet the same background load. Each socket counts
 * its deliveries per event id: with every expected delivery arrived (delivered 100 %) and
 * no socket given an id twice, every client got every event of its organisation once.
 */
export type Target = { label: string; url: string; pids: Record<string, number[]> };
export type TargetSteps = {
  label: string;
  sockets: number;
  latency: StepResult & { perSocket?: PerSocket };
  fanout: Array<StepResult & { perSocket?: PerSocket }>;
};

export async function relayScenarios(
  cfg: ClusterBenchConfig,
  targets: Target[],
  orgs: BenchOrg[],
  writers: pg.Client[],
  log: (line: string) => void,
): Promise<TargetSteps[]> {
  const relayCfg = configFor({
    quick: cfg.quick,
    batch: true,
    clientProcesses: cfg.clientProcesses,
  });
  const fanout = Math.floor(cfg.relay.sockets / orgs.length);
  const write = workOrdersOf(orgs);
  const pools = targets.map(() => new ClientPool(cfg.clientProcesses));
  try {
    const results: TargetSteps[] = [];
    for (const [i, t] of targets.entries()) {
      const pool = pools[i] as ClientPool;
      const sockets = await pool.connect(
        t.url,
        orgs.flatMap((o) =>
          Array.from({ length: fanout }, (_, k) => ({
            auth: { token: o.tokens[k % o.tokens.length], batch: true },
            topics: [topicName("org", o.id)],
          })),
        ),
        25,
        true,
      );
      log(`  ${t.label}: ${sockets} sockets`);
      results.push({ label: t.label, sockets, latency: undefined as never, fanout: [] });
    }
    const step = async (i: number, rate: number, durationMs: number, warmupMs?: number) => {
      const t = targets[i] as Target;
      const pool = pools[i] as ClientPool;
      await pool.counts();
      const r = await runStep(
        relayCfg,
        pool,
        { ...t.pids, clients: pool.pids },
        { target: rate, fanout, durationMs, ...(warmupMs ? { warmupMs } : {}) },
        () => hubWrites(writers, write, rate, durationMs),
      );
      const perSocket = await pool.counts();
      logStep(`${t.label} F${fanout}`)(r);
      if (perSocket)
        log(
          `    per socket: ${perSocket.min}-${perSocket.max} deliveries, ${perSocket.duplicates} ids twice`,
        );
      return { ...r, ...(perSocket ? { perSocket } : {}) };
    };
    await new Promise((r) => setTimeout(r, 3_000));
    const { rate, durationMs, warmupMs } = cfg.relay.latency;
    for (const [i, r] of results.entries())
      r.latency = await step(i, rate, warmupMs + durationMs, warmupMs);
    for (const rate of cfg.relay.fanoutSteps) {
      for (const [i, r] of results.entries()) r.fanout.push(await step(i, rate, relayCfg.stepMs));
    }
    for (const pool of pools) await pool.disconnect();
    return results;
  } finally {
    for (const pool of pools) pool.close();
  }
}
