import type pg from "pg";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import type { BenchOrg } from "./fixtures.ts";
import { hubWrites } from "./hub-writes.ts";
import { logStep, runStep, type StepResult } from "./steps.ts";

/** (a) Commit-to-receive latency at the target load: 2,000 sockets, fan-out 100, 100/s. */
export async function measureHubLatency(
  cfg: Config,
  pool: ClientPool,
  pids: Record<string, number[]>,
  writers: pg.Client[],
  orgs: BenchOrg[],
  fanout: number,
): Promise<StepResult> {
  const { rate, durationMs } = cfg.latency;
  const r = await runStep(cfg, pool, pids, { target: rate, fanout, durationMs }, () =>
    hubWrites(writers, orgs, rate, durationMs),
  );
  logStep("hub latency")(r);
  return r;
}
