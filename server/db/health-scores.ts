import { type CommonQueryMethods, type SerializableValue, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * What the health recompute (workers/handlers/health.ts) reads and writes, under the
 * organisation's RLS context: every table here is the organisation's own.
 */

/** Sites of the current organisation that are not deleted. */
export async function organizationSiteIds(tx: Tx): Promise<readonly string[]> {
  return tx.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM sites
     WHERE organization_id = app_current_org() AND deleted_at IS NULL
     ORDER BY id`);
}

/** Locks the site for the recompute: two recomputes of one site run one after the other. */
export async function lockSite(tx: Tx, siteId: string): Promise<boolean> {
  const row = await tx.maybeOne(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM sites WHERE id = ${siteId} AND deleted_at IS NULL FOR UPDATE`);
  return row !== null;
}

export const ElevatorHealthFacts = z.object({
  elevator_id: z.string(),
  unit_number: z.string(),
  status: z.string(),
  age_years: z.number().nullable(),
  last_inspection_result: z.string().nullable(),
  compliance_items: z.number(),
  compliance_ok: z.number(),
  incidents_365: z.number(),
  incidents_90: z.number(),
  incidents_prev_275: z.number(),
  open_incidents: z.number(),
  repeated_fault_codes_90: z.number(),
  fixes_settled: z.number(),
  first_time_fixes: z.number(),
});
export type ElevatorHealthFacts = z.infer<typeof ElevatorHealthFacts>;

/**
 * The facts of each lift in service at the site (not deleted, not decommissioned) at
 * `at`: windows are the days before `at`, due dates are compared with `at`'s UTC date.
 * Incidents are breakdowns and callbacks that are neither drafts nor cancelled; fixes
 * and first-time fixes come from work_order_fixes() (migrations/0100).
 */
export async function elevatorHealthFacts(
  tx: Tx,
  siteId: string,
  at: string,
): Promise<readonly ElevatorHealthFacts[]> {
  const t = sql.fragment`${at}::timestamptz`;
  const asOf = sql.fragment`(${at}::timestamptz AT TIME ZONE 'UTC')::date`;
  return tx.any(sql.type(ElevatorHealthFacts)`
    WITH lifts AS (
      SELECT * FROM elevators
       WHERE site_id = ${siteId} AND deleted_at IS NULL AND status <> 'decommissioned'
    ), incidents AS (
      SELECT w.elevator_id, w.status, w.fault_code, coalesce(w.reported_at, w.created_at) AS r
        FROM work_orders w JOIN lifts l ON l.id = w.elevator_id
       WHERE w.type IN ('breakdown', 'callback') AND w.status NOT IN ('draft', 'cancelled')
         AND coalesce(w.reported_at, w.created_at) <= ${t}
    ), incident_counts AS (
      SELECT elevator_id,
             count(*) FILTER (WHERE r > ${t} - interval '365 days')::int AS incidents_365,
             count(*) FILTER (WHERE r > ${t} - interval '90 days')::int AS incidents_90,
             count(*) FILTER (WHERE r > ${t} - interval '365 days'
                                AND r <= ${t} - interval '90 days')::int AS incidents_prev_275,
             count(*) FILTER (WHERE status IN ('pending', 'scheduled', 'in_progress', 'on_hold'))::int
                 AS open_incidents
        FROM incidents GROUP BY elevator_id
    ), repeats AS (
      SELECT elevator_id, count(*)::int AS n FROM (
        SELECT elevator_id, fault_code FROM incidents
         WHERE fault_code IS NOT NULL AND r > ${t} - interval '90 days'
         GROUP BY elevator_id, fault_code HAVING count(*) >= 2) x
       GROUP BY elevator_id
    ), fixes AS (
      SELECT f.elevator_id,
             count(*) FILTER (WHERE f.settled)::int AS settled,
             count(*) FILTER (WHERE f.settled AND NOT f.called_back)::int AS first_time
        FROM work_order_fixes(${t}) f JOIN lifts l ON l.id = f.elevator_id
       WHERE f.completed_at > ${t} - interval '365 days'
       GROUP BY f.elevator_id
    ), compliance AS (
      SELECT c.elevator_id, count(*)::int AS items,
             count(*) FILTER (WHERE c.status IN ('compliant', 'pending')
                                AND c.next_due_date >= ${asOf})::int AS ok
        FROM compliance_tracking c JOIN lifts l ON l.id = c.elevator_id
       WHERE c.status <> 'exempt'
       GROUP BY c.elevator_id
    )
    SELECT l.id AS elevator_id, l.unit_number, l.status::text AS status,
           (extract(epoch FROM ${t} - coalesce(l.modernization_date, l.installation_date)::timestamptz)
              / (365.25 * 86400))::float8 AS age_years,
           l.last_inspection_result,
           coalesce(c.items, 0) + (l.next_inspection_due IS NOT NULL)::int AS compliance_items,
           coalesce(c.ok, 0) + coalesce((l.next_inspection_due >= ${asOf})::int, 0) AS compliance_ok,
           coalesce(i.incidents_365, 0) AS incidents_365,
           coalesce(i.incidents_90, 0) AS incidents_90,
           coalesce(i.incidents_prev_275, 0) AS incidents_prev_275,
           coalesce(i.open_incidents, 0) AS open_incidents,
           coalesce(r.n, 0) AS repeated_fault_codes_90,
           coalesce(f.settled, 0) AS fixes_settled,
           coalesce(f.first_time, 0) AS first_time_fixes
      FROM lifts l
      LEFT JOIN incident_counts i ON i.elevator_id = l.id
      LEFT JOIN repeats r ON r.elevator_id = l.id
      LEFT JOIN fixes f ON f.elevator_id = l.id
      LEFT JOIN compliance c ON c.elevator_id = l.id
     ORDER BY l.unit_number, l.id`);
}

/** Writes a lift's score only when it changed (elevator changes are streamed live). */
export async function saveElevatorHealth(tx: Tx, id: string, score: number): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE elevators SET health_score = ${score}, health_score_updated_at = now()
     WHERE id = ${id} AND health_score IS DISTINCT FROM ${score}`);
}

export async function saveSiteHealth(
  tx: Tx,
  siteId: string,
  score: number,
  components: SerializableValue,
): Promise<void> {
  await tx.query(sql.type(z.object({}))`
    UPDATE sites
       SET health_score = ${score}, health_score_components = ${sql.jsonb(components)},
           health_score_updated_at = now()
     WHERE id = ${siteId}
       AND (health_score IS DISTINCT FROM ${score}
            OR health_score_components IS DISTINCT FROM ${sql.jsonb(components)})`);
}

export type HealthHistoryRow = {
  score: number;
  equipment_condition_score: number;
  maintenance_compliance_score: number;
  incident_frequency_score: number;
  first_time_fix_score: number;
  predictive_risk_score: number;
  /** Includes `as_of`: the day the row stands for. */
  components: { as_of: string; [key: string]: SerializableValue };
};

/**
 * One health_score_history row per site and day (`components.as_of`): a recompute of a
 * day already recorded replaces that day's row, so a retried or repeated job leaves one.
 * The caller holds the site's lock (lockSite), so two recomputes cannot both insert.
 */
export async function recordHealthHistory(
  tx: CommonQueryMethods,
  siteId: string,
  row: HealthHistoryRow,
): Promise<void> {
  const existing = await tx.maybeOneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM health_score_history
     WHERE site_id = ${siteId} AND components ->> 'as_of' = ${row.components.as_of}
     ORDER BY recorded_at LIMIT 1`);
  const components = sql.jsonb(row.components);
  if (existing) {
    await tx.query(sql.type(z.object({}))`
      UPDATE health_score_history
         SET score = ${row.score},
             equipment_condition_score = ${row.equipment_condition_score},
             maintenance_compliance_score = ${row.maintenance_compliance_score},
             incident_frequency_score = ${row.incident_frequency_score},
             first_time_fix_score = ${row.first_time_fix_score},
             predictive_risk_score = ${row.predictive_risk_score},
             components = ${components}, recorded_at = now()
       WHERE id = ${existing}
         AND (score, equipment_condition_score, maintenance_compliance_score,
              incident_frequency_score, first_time_fix_score, predictive_risk_score, components)
             IS DISTINCT FROM
             (${row.score}, ${row.equipment_condition_score}, ${row.maintenance_compliance_score},
              ${row.incident_frequency_score}, ${row.first_time_fix_score},
              ${row.predictive_risk_score}, ${components})`);
    return;
  }
  await tx.query(sql.type(z.object({}))`
    INSERT INTO health_score_history (
      site_id, score, equipment_condition_score, maintenance_compliance_score,
      incident_frequency_score, first_time_fix_score, predictive_risk_score, components)
    VALUES (${siteId}, ${row.score}, ${row.equipment_condition_score},
            ${row.maintenance_compliance_score}, ${row.incident_frequency_score},
            ${row.first_time_fix_score}, ${row.predictive_risk_score}, ${components})`);
}

/** Every organisation that is not deleted (service role: the health dispatcher). */
export async function liveOrganizationIds(db: CommonQueryMethods): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM organizations WHERE deleted_at IS NULL ORDER BY id`);
}
