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
 * hubs, one target at a time: a target's sockets connect and subscribe, its steps run, and
 * they disconnect before the other target's connect. Only the measured target's clients
 * receive the changes (the other target's hubs still read each change from the outbox, as
 * every hub does, but deliver it to nobody). Each socket counts its deliveries per event id:
 * with every expected delivery arrived (delivered 100 %) and no socket given an id twice,
 * every client got every event of its organisation once.
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
  const results: TargetSteps[] = [];
  for (const t of targets) {
    const pool = new ClientPool(cfg.clientProcesses);
    try {
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
      log(`  ${t.label}: ${sockets} sockets (the only ones subscribed during its steps)`);
      const step = async (rate: number, durationMs: number, warmupMs?: number) => {
        // Zero the per-socket counts: they cover this step's deliveries only.
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
            `    per socket: ${perSocket.min}-${perSocket.max} deliveries over ${perSocket.sockets} sockets, ${perSocket.duplicates} ids twice`,
          );
        return { ...r, ...(perSocket ? { perSocket } : {}) };
      };
      await new Promise((r) => setTimeout(r, 3_000));
      const { rate, durationMs, warmupMs } = cfg.relay.latency;
      const latency = await step(rate, warmupMs + durationMs, warmupMs);
      const steps: TargetSteps["fanout"] = [];
      for (const r of cfg.relay.fanoutSteps) steps.push(await step(r, relayCfg.stepMs));
      results.push({ label: t.label, sockets, latency, fanout: steps });
      await pool.disconnect();
    } finally {
      pool.close();
    }
  }
  return results;
}
