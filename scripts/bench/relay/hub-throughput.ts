import type pg from "pg";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import type { Summary } from "./histogram.ts";
import { lagBetween, scrapeHub } from "./hub-metrics.ts";
import { hubWrites, type WriteTarget } from "./hub-writes.ts";
import { type Ceiling, ceilingOf, logStep, ramp, runStep, type StepResult } from "./steps.ts";

export type HubRamp = { steps: StepResult[]; changes: Ceiling; msgs: Ceiling };

/**
 * (b) The highest sustained rate of committed changes at small fan-out (each change reaches
 * one socket): steps the commit rate up until the lag stops being bounded (or the writers
 * cannot commit faster).
 */
export async function measureSmallFanout(
  cfg: Config,
  pool: ClientPool,
  pids: Record<string, number[]>,
  hubUrl: string,
  writers: pg.Client[],
  target: WriteTarget,
  steps: number[],
  raw: Summary,
): Promise<HubRamp> {
  const results = await ramp(
    steps,
    async (rate) => {
      const before = await scrapeHub(hubUrl);
      const r = await runStep(
        cfg,
        pool,
        pids,
        { target: rate, fanout: 1, durationMs: cfg.stepMs },
        () => hubWrites(writers, target, rate, cfg.stepMs),
      );
      r.hubLag = lagBetween(before, await scrapeHub(hubUrl));
      return r;
    },
    logStep(`hub F1 ${target.table}`, raw),
  );
  return {
    steps: results,
    changes: ceilingOf(results, (r) => r.achieved),
    msgs: ceilingOf(results, (r) => r.msgsPerSec),
  };
}
