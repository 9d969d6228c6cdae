/**
 * The hub's own view of lag: `sitesync_relay_lag_seconds` (row's occurred_at -> emit) from
 * its /metrics, diffed around a step. Together with the client-side latency it splits the
 * time into "database + pump" and "socket.io write + client".
 */
export type LagBuckets = Map<number, number>; // upper bound (ms) -> cumulative count

export async function scrapeLag(url: string): Promise<LagBuckets> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets: LagBuckets = new Map();
  for (const m of text.matchAll(/^sitesync_relay_lag_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]) * 1000;
    buckets.set(le, Number(m[2]));
  }
  return buckets;
}

export type LagQuantiles = { p50: string; p95: string; p99: string };

/** Quantiles of the events observed between two scrapes, as "≤ bucket bound" strings. */
export function lagBetween(before: LagBuckets, after: LagBuckets): LagQuantiles {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  const q = (p: number) => {
    if (total === 0) return "n/a";
    const i = counts.findIndex((c) => c >= p * total);
    const b = bounds[i] ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(b) ? `≤ ${b}` : "> 5000";
  };
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}
