import { type CommonQueryMethods, sql } from "slonik";
import { z } from "zod";

/**
 * The technician metrics rollup (workers/handlers/technician-metrics.ts). Service role
 * throughout: a technician's verified work is spread over every organisation that has
 * them as a contractor, and requests may not write metrics (migrations/0010). The
 * definitions live in SQL, migrations/0100: technician_work_stats() and
 * technician_expertise_score().
 */

const firstTimeFixRate = (s: string) => sql.fragment`
  CASE WHEN ${sql.identifier([s, "fixes_settled"])} > 0
       THEN round(100.0 * (${sql.identifier([s, "fixes_settled"])} - ${sql.identifier([s, "fixes_called_back"])})
                  / ${sql.identifier([s, "fixes_settled"])}, 2) END`;

const expertise = (s: string) => sql.fragment`
  technician_expertise_score(${sql.identifier([s, "jobs_completed"])},
                             ${sql.identifier([s, "fixes_settled"])},
                             ${sql.identifier([s, "fixes_called_back"])},
                             ${sql.identifier([s, "contributions_made"])})`;

/**
 * Upserts technician_metrics_history for the period [periodStart, periodEnd] (UTC dates)
 * for every profile with work or contributions in it (or a row already): the period's
 * jobs, first-time-fix rate over its settled fixes, mean resolution time, fixes called
 * back, contributions, and the expertise score from everything up to the period's end.
 * A row whose values are unchanged is left alone. Returns the rows written.
 */
export async function rollupTechnicianPeriod(
  db: CommonQueryMethods,
  periodStart: string,
  periodEnd: string,
  at: string,
): Promise<number> {
  const from = sql.fragment`(${periodStart}::date::timestamp AT TIME ZONE 'UTC')`;
  const to = sql.fragment`((${periodEnd}::date + 1)::timestamp AT TIME ZONE 'UTC')`;
  const rows = await db.any(sql.type(z.object({ id: z.string() }))`
    WITH p AS (SELECT * FROM technician_work_stats(${from}, ${to}, ${at}::timestamptz)),
    cum AS (SELECT * FROM technician_work_stats('-infinity', ${to}, ${at}::timestamptz)),
    existing AS (
      SELECT technician_profile_id FROM technician_metrics_history
       WHERE period_start = ${periodStart}::date AND period_end = ${periodEnd}::date
    )
    INSERT INTO technician_metrics_history AS h (
      technician_profile_id, period_start, period_end, jobs_completed, first_time_fix_rate,
      average_resolution_time_minutes, callbacks, contributions_made, expertise_score)
    SELECT p.technician_profile_id, ${periodStart}::date, ${periodEnd}::date, p.jobs_completed,
           ${firstTimeFixRate("p")}, p.average_resolution_time_minutes, p.fixes_called_back,
           p.contributions_made, ${expertise("cum")}
      FROM p JOIN cum USING (technician_profile_id)
     WHERE p.jobs_completed > 0 OR p.fixes_settled > 0 OR p.contributions_made > 0
        OR p.technician_profile_id IN (SELECT technician_profile_id FROM existing)
    ON CONFLICT (technician_profile_id, period_start, period_end) DO UPDATE
       SET jobs_completed = EXCLUDED.jobs_completed,
           first_time_fix_rate = EXCLUDED.first_time_fix_rate,
           average_resolution_time_minutes = EXCLUDED.average_resolution_time_minutes,
           callbacks = EXCLUDED.callbacks,
           contributions_made = EXCLUDED.contributions_made,
           expertise_score = EXCLUDED.expertise_score,
           recorded_at = now()
     WHERE (h.jobs_completed, h.first_time_fix_rate, h.average_resolution_time_minutes,
            h.callbacks, h.contributions_made, h.expertise_score)
           IS DISTINCT FROM
           (EXCLUDED.jobs_completed, EXCLUDED.first_time_fix_rate,
            EXCLUDED.average_resolution_time_minutes, EXCLUDED.callbacks,
            EXCLUDED.contributions_made, EXCLUDED.expertise_score)
    RETURNING h.id`);
  return rows.length;
}

/**
 * Sets every technician profile's all-time metrics from verified work judged at `at`:
 * total jobs, first-time-fix rate, mean resolution time, sites served, approved
 * contributions, expertise score and percentile ("top X %": 100 x rank / profiles, rank
 * 1 = highest score). Profiles whose values are unchanged are left alone. Returns the
 * profiles changed.
 */
export async function updateTechnicianProfiles(
  db: CommonQueryMethods,
  at: string,
): Promise<number> {
  const rows = await db.any(sql.type(z.object({ id: z.string() }))`
    WITH s AS (SELECT * FROM technician_work_stats('-infinity', 'infinity', ${at}::timestamptz)),
    scored AS (
      SELECT s.*, ${firstTimeFixRate("s")} AS ftf, ${expertise("s")} AS expertise FROM s
    ), ranked AS (
      SELECT scored.*,
             ceil(100.0 * rank() OVER (ORDER BY expertise DESC) / count(*) OVER ())::int AS percentile
        FROM scored
    )
    UPDATE technician_profiles p
       SET total_jobs_completed = r.jobs_completed,
           first_time_fix_rate = r.ftf,
           average_resolution_time_minutes = r.average_resolution_time_minutes,
           buildings_served = r.sites_served,
           contributions_count = r.contributions_made,
           expertise_score = r.expertise,
           expertise_percentile = r.percentile
      FROM ranked r
     WHERE r.technician_profile_id = p.id
       AND (p.total_jobs_completed, p.first_time_fix_rate, p.average_resolution_time_minutes,
            p.buildings_served, p.contributions_count, p.expertise_score, p.expertise_percentile)
           IS DISTINCT FROM
           (r.jobs_completed, r.ftf, r.average_resolution_time_minutes, r.sites_served,
            r.contributions_made, r.expertise, r.percentile)
    RETURNING p.id`);
  return rows.length;
}
