import type { Config } from "./config.ts";
import { benchUrls } from "./db.ts";
import { hubWrites, type WriteTarget } from "./hub-writes.ts";
import { closeWriters, openWriters } from "./writers.ts";

export type WritePathResult = {
  byWriters: Array<{ writers: number; rate: number }>;
  /** The connection count that committed fastest, and that rate. */
  best: number;
  bestRate: number;
};

/**
 * Reference, not a target: one of the benchmark's changes (through the realtime trigger,
 * outbox insert and NOTIFY) committed flat out with NO hub running, at 1, 2 and 4
 * connections. It bounds what any relay of that change could be offered on this machine;
 * the small fan-out ramp of that change then uses the connection count that commits fastest.
 */
export async function measureWritePath(cfg: Config, target: WriteTarget): Promise<WritePathResult> {
  const byWriters: WritePathResult["byWriters"] = [];
  for (const n of [1, 2, 4].filter((k) => k <= cfg.writers)) {
    const writers = await openWriters(benchUrls.service, n);
    try {
      const r = await hubWrites(writers, target, Number.POSITIVE_INFINITY, cfg.rawNotify.maxMs);
      byWriters.push({ writers: n, rate: r.committed / ((r.endedAt - r.startedAt) / 1000) });
    } finally {
      await closeWriters(writers);
    }
  }
  const best = byWriters.reduce((a, b) => (b.rate > a.rate ? b : a), byWriters[0]!);
  return { byWriters, best: best.writers, bestRate: best.rate };
}
