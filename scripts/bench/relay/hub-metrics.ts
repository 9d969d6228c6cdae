import { BENCH_METRICS_TOKEN } from "./hub-process.ts";

/**
 * The hub's own view of lag: `sitesync_relay_lag_seconds` (commit -> emit) from its
 * /metrics, diffed around a step. Together with the client-side latency it splits the
 * time into "database + pump" and "socket.io write + client". The pump's reads and rows
 * read give its batching (rows per read) over the same step, and its backlog reads how often
 * the pump was saturated (the reads after which its gap was widened, server/realtime/read-gap.ts).
 */
export type LagBuckets = Map<number, number>; // upper bound (ms) -> cumulative count
export type HubSample = {
  lag: LagBuckets;
  reads: number;
  rows: number;
  backlogReads: number;
  heldReads: number;
};

export async function scrapeHub(url: string): Promise<HubSample> {
  const res = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` },
  });
  if (res.status !== 200) throw new Error(`hub /metrics answered ${res.status}`);
  const text = await res.text();
  const lag: LagBuckets = new Map();
  for (const m of text.matchAll(/^sitesync_relay_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]) * 1000;
    lag.set(le, Number(m[2]));
  }
  const counter = (name: string) =>
    Number(text.match(new RegExp(`^${name} (\\d+)`, "m"))?.[1] ?? Number.NaN);
  return {
    lag,
    reads: counter("sitesync_outbox_reads_total"),
    rows: counter("sitesync_outbox_rows_read_total"),
    backlogReads: counter("sitesync_outbox_backlog_reads_total"),
    heldReads: counter("sitesync_outbox_held_reads_total"),
  };
}

export type LagQuantiles = {
  p50: string;
  p95: string;
  p99: string;
  rowsPerRead: number;
  /** Share of the pump's reads that found a backlog (after which its read gap widened). */
  backlogShare: number;
  /** Share of the pump's reads that found rows held back behind an older open transaction. */
  heldShare: number;
};

/**
 * Quantiles of the events observed between two scrapes, as "≤ bucket bound" strings, and
 * the pump's rows per read in between.
 */
export function lagBetween(first: HubSample, last: HubSample): LagQuantiles {
  const before = first.lag;
  const after = last.lag;
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  const q = (p: number) => {
    if (total === 0) return "n/a";
    const i = counts.findIndex((c) => c >= p * total);
    const b = bounds[i] ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(b) ? `≤ ${b}` : "> 5000";
  };
  return {
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    rowsPerRead: (last.rows - first.rows) / (last.reads - first.reads),
    backlogShare: (last.backlogReads - first.backlogReads) / (last.reads - first.reads),
    heldShare: (last.heldReads - first.heldReads) / (last.reads - first.reads),
  };
}
