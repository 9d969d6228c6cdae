import type pg from "pg";
import type { Envelope } from "../../../shared/realtime/envelope.ts";
import type { BareServer } from "./bare-broadcast.ts";
import type { ClientPool } from "./clients.ts";
import type { Config } from "./config.ts";
import type { Summary } from "./histogram.ts";
import { lagBetween, scrapeHub } from "./hub-metrics.ts";
import { hubWrites, type WriteTarget } from "./hub-writes.ts";
import {
  type Ceiling,
  ceilingOf,
  logStep,
  rampGoesOn,
  runStep,
  type StepResult,
  stepWithRetry,
} from "./steps.ts";

export type Side = { steps: StepResult[]; msgs: Ceiling; changes: Ceiling };
export type FanoutRamp = { bare: Side; hub: Side };

export type Rig = {
  cfg: Config;
  bare: BareServer;
  barePool: ClientPool;
  hubUrl: string;
  hubPool: ClientPool;
  hubPids: Record<string, number[]>;
  writers: pg.Client[];
  /** What the hub's writers change, and what the bare server sends instead. */
  target: WriteTarget;
  bareTarget: { rooms: string[]; envelope: Envelope };
  fanout: number;
  /** Changes (hub) or broadcasts (bare) per second, stepped up. */
  steps: number[];
  /** Raw NOTIFY's paced latency in this run: each hub step is logged against it. */
  raw: Summary;
};

export function bareStep(rig: Rig, rate: number, durationMs: number, warmupMs?: number) {
  const pids = { server: [rig.bare.pid], clients: rig.barePool.pids };
  return runStep(
    rig.cfg,
    rig.barePool,
    pids,
    {
      target: rate,
      fanout: rig.fanout,
      durationMs,
      ...(warmupMs === undefined ? {} : { warmupMs }),
    },
    () => rig.bare.broadcast(rate, durationMs, rig.bareTarget),
  );
}

export async function hubStep(rig: Rig, rate: number, durationMs: number, warmupMs?: number) {
  const before = await scrapeHub(rig.hubUrl);
  const r = await runStep(
    rig.cfg,
    rig.hubPool,
    rig.hubPids,
    {
      target: rate,
      fanout: rig.fanout,
      durationMs,
      ...(warmupMs === undefined ? {} : { warmupMs }),
    },
    () => hubWrites(rig.writers, rig.target, rate, durationMs),
  );
  r.hubLag = lagBetween(before, await scrapeHub(rig.hubUrl));
  return r;
}

const side = (steps: StepResult[]): Side => ({
  steps,
  msgs: ceilingOf(steps, (r) => r.msgsPerSec),
  changes: ceilingOf(steps, (r) => r.achieved),
});

/** Waits until the pool has received nothing for a second (a saturated step's backlog). */
async function settle(pool: ClientPool, maxMs = 30_000): Promise<void> {
  const until = performance.now() + maxMs;
  let quiet = 0;
  while (quiet < 2 && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const { timeline } = await pool.collect();
    quiet = timeline.received.size === 0 ? quiet + 1 : 0;
  }
}

/** The listed rates, then up to `extraSteps` more, each `growth` × the one before. */
export function* rampRates(
  steps: number[],
  { growth, extraSteps }: Config["rampExtension"],
): Generator<number> {
  yield* steps;
  let rate = Math.max(...steps);
  for (let i = 0; i < extraSteps; i++) {
    rate = Math.round(rate * growth);
    yield rate;
  }
}

/**
 * (c) Bare broadcast and hub at one fan-out (100, then 1,000), stepped up together: at
 * each rate the bare step runs, then the hub step, so both meet the same background load on
 * this shared machine. Each side stops at its first step whose lag is not bounded; while
 * either is still bounded at the last listed rate, the ramp goes on past it (rampRates).
 *
 * Then both sides get the top rate twice more, interleaved: the saturation ceiling (most
 * deliveries per second over all steps) is only comparable when both were offered the same
 * overload as often, not when one stopped at 40/s on a noisy p99 and the other went on to
 * 80/s.
 */
export async function fanoutRamp(rig: Rig): Promise<FanoutRamp> {
  const bare: StepResult[] = [];
  const hub: StepResult[] = [];
  const run = async (which: "bare" | "hub", rate: number, retry = true) => {
    const pool = which === "bare" ? rig.barePool : rig.hubPool;
    const once = async () => {
      const r =
        which === "bare"
          ? await bareStep(rig, rate, rig.cfg.stepMs)
          : await hubStep(rig, rate, rig.cfg.stepMs);
      // The bare broadcast at this rate, run just before (the last bare step at it).
      if (which === "hub") {
        const ref = bare.findLast((b) => b.target === rate)?.latency;
        if (ref) r.bare = ref;
      }
      if (!r.bounded) await settle(pool);
      return r;
    };
    const log = logStep(`${which} F${rig.fanout}`, which === "hub" ? rig.raw : null);
    let r: StepResult;
    if (retry) r = await stepWithRetry(once, log);
    else {
      r = await once();
      log(r);
    }
    (which === "bare" ? bare : hub).push(r);
  };
  let top = 0;
  for (const rate of rampRates(rig.steps, rig.cfg.rampExtension)) {
    const bareOn = bare.every(rampGoesOn);
    const hubOn = hub.every(rampGoesOn);
    if (!bareOn && !hubOn) break;
    top = rate;
    if (bareOn) await run("bare", rate);
    if (hubOn) await run("hub", rate);
  }
  // Saturation: both sides offered the same overload (the top rate) twice, interleaved.
  for (let i = 0; i < 2; i++) {
    await run("bare", top, false);
    await run("hub", top, false);
  }
  return { bare: side(bare), hub: side(hub) };
}

/**
 * (a) Commit-to-receive latency at the target load (2,000 sockets, fan-out 100, 100/s),
 * then the bare broadcast at the same rate right after, for comparison. The full run first
 * idles a few seconds (2,000 handshakes leave GC and JIT work behind) and does not measure
 * a longer warm-up inside the step; `--quick` does neither, so it measures the first step
 * after connecting whole.
 */
export async function latencyPair(
  rig: Rig,
  label = "",
): Promise<{ hub: StepResult; bare: StepResult }> {
  const { rate, durationMs, warmupMs, idleMs } = rig.cfg.latency;
  if (idleMs > 0) await new Promise((r) => setTimeout(r, idleMs));
  const hub = await hubStep(rig, rate, warmupMs + durationMs, warmupMs);
  const bare = await bareStep(rig, rate, warmupMs + durationMs, warmupMs);
  hub.bare = bare.latency;
  logStep(`hub latency${label}`, rig.raw)(hub);
  logStep(`bare latency${label}`)(bare);
  return { hub, bare };
}
