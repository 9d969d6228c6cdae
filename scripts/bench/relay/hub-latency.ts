import type pg from "pg";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import type { BenchOrg } from "./fixtures.ts";
import { lagBetween, scrapeLag } from "./hub-metrics.ts";
import { hubWrites } from "./hub-writes.ts";
import { logStep, runStep, type StepResult } from "./steps.ts";

/** (a) Commit-to-receive latency at the target load: 2,000 sockets, fan-out 100, 100/s,
 * measured over `durationMs` after `warmupMs`. */
export async function measureHubLatency(
  cfg: Config,
  pool: ClientPool,
  pids: Record<string, number[]>,
  hubUrl: string,
  writers: pg.Client[],
  orgs: BenchOrg[],
  fanout: number,
): Promise<StepResult> {
  const { rate, durationMs, warmupMs } = cfg.latency;
  // Right after 2,000 handshakes the processes are still settling (GC, JIT): give them a
  // few idle seconds, then a longer unmeasured warm-up at the same rate.
  await new Promise((r) => setTimeout(r, 3_000));
  const before = await scrapeLag(hubUrl);
  const r = await runStep(
    cfg,
    pool,
    pids,
    { target: rate, fanout, durationMs: warmupMs + durationMs, warmupMs },
    () => hubWrites(writers, orgs, rate, warmupMs + durationMs),
  );
  r.hubLag = lagBetween(before, await scrapeLag(hubUrl));
  logStep("hub latency")(r);
  return r;
}
