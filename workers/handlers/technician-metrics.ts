import {
  rollupTechnicianPeriod,
  updateTechnicianProfiles,
} from "../../server/db/technician-metrics.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import type { JobContext } from "./context.ts";

/** The `months` calendar months (UTC) up to the one holding `at`, newest first. */
export function monthPeriods(at: Date, months: number): { start: string; end: string }[] {
  const periods: { start: string; end: string }[] = [];
  for (let i = 0; i < months; i++) {
    const start = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - i, 1));
    const end = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - i + 1, 0));
    periods.push({ start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) });
  }
  return periods;
}

/**
 * Daily: technician_metrics_history for the last `months` months (the current one so
 * far, and earlier ones whose fixes settle up to 30 days after they end), then every
 * technician profile's all-time metrics, from verified work (docs/workers.md,
 * "Technician metrics"). Service role: a technician's work spans every organisation
 * that has them as a contractor, and the metrics are not writable by requests.
 * Idempotent: each period is one upsert statement, the profiles one update, and
 * unchanged values are not rewritten; a crash between them is finished by the retry.
 */
export async function rollupTechnicianMetrics(
  payload: JobPayload<"technicians.rollup-metrics">,
  { runtime, signal }: JobContext,
): Promise<{ history_rows: number; profiles: number }> {
  const at = new Date(payload.at ?? Date.now());
  const atIso = at.toISOString();
  let historyRows = 0;
  for (const period of monthPeriods(at, payload.months)) {
    signal.throwIfAborted();
    historyRows += await rollupTechnicianPeriod(runtime.serviceDb, period.start, period.end, atIso);
  }
  signal.throwIfAborted();
  const profiles = await updateTechnicianProfiles(runtime.serviceDb, atIso);
  return { history_rows: historyRows, profiles };
}
