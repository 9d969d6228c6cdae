import type pg from "pg";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import type { BenchOrg } from "./fixtures.ts";
import { lagBetween, scrapeLag } from "./hub-metrics.ts";
import { hubWrites } from "./hub-writes.ts";
import { type Ceiling, ceilingOf, logStep, ramp, runStep, type StepResult } from "./steps.ts";

export type HubRamp = { steps: StepResult[]; changes: Ceiling; msgs: Ceiling };

/**
 * (b) and (c): steps the commit rate up until the lag stops being bounded. At small
 * fan-out the figure is changes/s; at fan-out 100 it is deliveries (msgs/s).
 */
export async function measureHubRamp(
  cfg: Config,
  pool: ClientPool,
  pids: Record<string, number[]>,
  hubUrl: string,
  writers: pg.Client[],
  orgs: BenchOrg[],
  fanout: number,
  targets: number[],
  label: string,
): Promise<HubRamp> {
  const steps = await ramp(
    targets,
    async (rate) => {
      const before = await scrapeLag(hubUrl);
      const r = await runStep(
        cfg,
        pool,
        pids,
        { target: rate, fanout, durationMs: cfg.stepMs },
        () => hubWrites(writers, orgs, rate, cfg.stepMs),
      );
      r.hubLag = lagBetween(before, await scrapeLag(hubUrl));
      return r;
    },
    logStep(label),
  );
  return {
    steps,
    changes: ceilingOf(steps, (r) => r.achieved),
    msgs: ceilingOf(steps, (r) => r.msgsPerSec),
  };
}
