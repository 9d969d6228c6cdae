import { add, bucketOf, type Histogram, type Summary, summarize } from "../relay/histogram.ts";
import type { ClusterBenchConfig } from "./config.ts";

/**
 * The dispatch board over REST with `concurrency` requests always in flight, against a hub
 * whose pools go straight to Postgres and one whose pools go through PgBouncer (the same
 * code; only DATABASE_URL/SERVICE_DATABASE_URL differ). Targets alternate, `rounds` times.
 */
export type RestResult = {
  label: string;
  requests: number;
  errors: number;
  perSecond: number;
  latency: Summary;
};

async function hammer(
  url: string,
  token: string,
  concurrency: number,
  durationMs: number,
  h: Histogram,
): Promise<{ ok: number; errors: number }> {
  const end = performance.now() + durationMs;
  let ok = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          const res = await fetch(`${url}/api/v1/dispatch-board?limit_per_status=50`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.arrayBuffer();
          if (res.ok) {
            add(h, bucketOf(performance.now() - t0));
            ok++;
          } else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { ok, errors };
}

export async function restThroughPgBouncer(
  cfg: ClusterBenchConfig,
  targets: Array<{ label: string; url: string }>,
  token: string,
  log: (line: string) => void,
): Promise<RestResult[]> {
  const { concurrency, durationMs, rounds } = cfg.rest;
  const acc = targets.map(() => ({ h: new Map() as Histogram, ok: 0, errors: 0, ms: 0 }));
  // Warm-up: JIT, the pools filled, PgBouncer's server connections open.
  for (const t of targets) await hammer(t.url, token, concurrency, 1_000, new Map());
  for (let round = 0; round < rounds; round++) {
    for (const [i, t] of targets.entries()) {
      const a = acc[i] as (typeof acc)[number];
      const r = await hammer(t.url, token, concurrency, durationMs, a.h);
      a.ok += r.ok;
      a.errors += r.errors;
      a.ms += durationMs;
    }
  }
  return targets.map((t, i) => {
    const a = acc[i] as (typeof acc)[number];
    const result: RestResult = {
      label: t.label,
      requests: a.ok,
      errors: a.errors,
      perSecond: a.ok / (a.ms / 1000),
      latency: summarize(a.h),
    };
    log(
      `  ${t.label}: ${result.perSecond.toFixed(0)} req/s, p50 ${result.latency.p50.toFixed(1)} p95 ${result.latency.p95.toFixed(1)} p99 ${result.latency.p99.toFixed(1)} ms, ${result.errors} errors`,
    );
    return result;
  });
}
