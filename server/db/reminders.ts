import { type CommonQueryMethods, type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * What reminder delivery reads and writes (workers/reminders/, docs/workers.md). The item
 * queries run under the organisation's RLS context (or, for a user without an
 * organisation, the user's own); only the dispatcher, which looks at every organisation,
 * uses the service role.
 */

export const REMINDER_KINDS = [
  "compliance",
  "insurance_policy",
  "certification",
  "contractor_licence",
  "contractor_insurance",
  "elevator_inspection",
] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

/** The timezone of an organisation that names none, or names one Postgres does not know. */
export const DEFAULT_TIMEZONE = "Australia/Sydney";

/** One thing to remind of, in the same shape for every kind. */
export const ReminderItem = z.object({
  id: z.string(),
  due_date: z.string(),
  /** due_date minus the run's local date: negative when it has passed. */
  days_left: z.number(),
  /** The seed's flags where the table has them, else null. */
  sent_30: z.boolean().nullable(),
  sent_7: z.boolean().nullable(),
  sent: z.boolean().nullable(),
  status: z.string().nullable(),
  /** What the reminder names: requirement, policy, certification, contractor or lift. */
  label: z.string(),
  /** Where it is: site and lift, when it concerns one. */
  place: z.string().nullable(),
  elevator_id: z.string().nullable(),
  /** Who else is told: the certified user, the contractor's own user account. */
  user_id: z.string().nullable(),
});
export type ReminderItem = z.infer<typeof ReminderItem>;

const flags = {
  pair: sql.fragment`t.reminder_sent_30 AS sent_30, t.reminder_sent_7 AS sent_7, NULL::boolean AS sent`,
  /**
   * The kinds without a seed flag read theirs from reminder_deliveries (migrations/0102),
   * for the row's current date; a 7-day reminder settles the 30-day one, as with flags.
   */
  ledger: (kind: ReminderKind, date: FragmentSqlToken) => {
    const sent = (stages: readonly string[]) => sql.fragment`EXISTS (
      SELECT 1 FROM reminder_deliveries rd
       WHERE rd.kind = ${kind} AND rd.item_id = t.id AND rd.due_date = ${date}
         AND rd.stage = ANY(${sql.array([...stages], "text")}))`;
    return sql.fragment`${sent(["30", "7"])} AS sent_30, ${sent(["7"])} AS sent_7, NULL::boolean AS sent`;
  },
};

/**
 * Each kind's rows as ReminderItems, `t` being the table whose row is reminded of (and
 * locked, for the kinds with flags). `d` is the run's local date.
 */
function kindSelect(kind: ReminderKind, d: string): FragmentSqlToken {
  const days = (col: FragmentSqlToken) => sql.fragment`(${col} - ${d}::date) AS days_left`;
  const liveLift = sql.fragment`e.deleted_at IS NULL AND e.status <> 'decommissioned' AND s.deleted_at IS NULL`;
  switch (kind) {
    case "compliance":
      return sql.fragment`
        SELECT t.id, t.next_due_date::text AS due_date, ${days(sql.fragment`t.next_due_date`)},
               ${flags.pair}, t.status::text AS status, r.name::text AS label,
               concat_ws(', ', s.name, 'lift ' || e.unit_number) AS place,
               t.elevator_id, NULL::uuid AS user_id
          FROM compliance_tracking t
          JOIN compliance_requirements r ON r.id = t.requirement_id
          JOIN elevators e ON e.id = t.elevator_id
          JOIN sites s ON s.id = e.site_id
         WHERE t.status <> 'exempt' AND ${liveLift}`;
    case "insurance_policy":
      return sql.fragment`
        SELECT t.id, t.expiry_date::text AS due_date, ${days(sql.fragment`t.expiry_date`)},
               ${flags.pair}, t.status::text AS status,
               concat(initcap(replace(t.policy_type, '_', ' ')), ' insurance ', t.policy_number,
                      ' (', t.insurer_name, ')') AS label,
               NULL::text AS place, NULL::uuid AS elevator_id, NULL::uuid AS user_id
          FROM insurance_policies t
         WHERE t.status IN ('active', 'pending_renewal')`;
    case "certification":
      // Certificates of the organisation's own people, or (user runs) the user's own:
      // RLS decides which, so one query serves both.
      return sql.fragment`
        SELECT t.id, t.expiry_date::text AS due_date, ${days(sql.fragment`t.expiry_date`)},
               NULL::boolean AS sent_30, NULL::boolean AS sent_7, t.reminder_sent AS sent,
               NULL::text AS status,
               concat(t.name, ' of ', coalesce(nullif(u.display_name, ''),
                      nullif(concat_ws(' ', u.first_name, u.last_name), ''), u.email)) AS label,
               NULL::text AS place, NULL::uuid AS elevator_id, t.user_id
          FROM user_certifications t
          JOIN users u ON u.id = t.user_id
         WHERE t.expiry_date IS NOT NULL AND u.deleted_at IS NULL AND u.is_active IS NOT FALSE
           AND (u.organization_id = app_current_org()
                OR (app_current_org() IS NULL AND u.id = app_current_user()))`;
    case "contractor_licence":
    case "contractor_insurance": {
      const col =
        kind === "contractor_licence"
          ? sql.fragment`t.license_expiry`
          : sql.fragment`t.insurance_expiry`;
      const what = kind === "contractor_licence" ? "licence" : "insurance";
      return sql.fragment`
        SELECT t.id, ${col}::text AS due_date, ${days(col)}, ${flags.ledger(kind, col)},
               NULL::text AS status,
               concat(coalesce(t.company_name, t.contact_name), ' ', ${what}::text, ' ',
                      coalesce(${kind === "contractor_licence" ? sql.fragment`t.license_number` : sql.fragment`t.insurance_policy`}, '')) AS label,
               NULL::text AS place, NULL::uuid AS elevator_id, t.user_id
          FROM contractors t
         WHERE ${col} IS NOT NULL AND t.deleted_at IS NULL AND t.is_active IS NOT FALSE`;
    }
    case "elevator_inspection":
      return sql.fragment`
        SELECT t.id, t.next_inspection_due::text AS due_date,
               ${days(sql.fragment`t.next_inspection_due`)},
               ${flags.ledger(kind, sql.fragment`t.next_inspection_due`)},
               NULL::text AS status,
               concat_ws(', ', s.name, 'lift ' || t.unit_number) AS label, NULL::text AS place,
               t.id AS elevator_id, NULL::uuid AS user_id
          FROM elevators t
          JOIN sites s ON s.id = t.site_id
         WHERE t.next_inspection_due IS NOT NULL AND t.deleted_at IS NULL
           AND t.status <> 'decommissioned' AND s.deleted_at IS NULL`;
  }
}

/**
 * The rows that may need a reminder on local date `d`: due within `leadDays`, not yet
 * flagged, or past due with a status that turns overdue. A pre-filter only: the run
 * decides again on the locked row.
 */
export async function findReminderItems(
  tx: Tx,
  kind: ReminderKind,
  d: string,
  leadDays: number,
  overdueFrom: readonly string[],
): Promise<readonly ReminderItem[]> {
  return tx.any(sql.type(ReminderItem)`
    SELECT * FROM (${kindSelect(kind, d)}) i
     WHERE i.days_left <= ${leadDays}::int
       AND ((i.days_left < 0 AND i.status = ANY(${sql.array([...overdueFrom], "text")}))
            OR (i.days_left >= 0 AND i.sent IS NOT TRUE
                AND (i.sent_30 IS NOT TRUE OR (i.days_left <= 7 AND i.sent_7 IS NOT TRUE))))
     ORDER BY i.due_date, i.id`);
}

/**
 * One item as it is now; with `lock`, its row is locked until the transaction ends, so a
 * concurrent run of the same reminder waits and then sees the flag this one sets.
 */
export async function loadReminderItem(
  tx: Tx,
  kind: ReminderKind,
  id: string,
  d: string,
  lock: boolean,
): Promise<ReminderItem | null> {
  return tx.maybeOne(sql.type(ReminderItem)`
    ${kindSelect(kind, d)} AND t.id = ${id} ${lock ? sql.fragment`FOR UPDATE OF t` : sql.fragment``}`);
}

/**
 * Claims one reminder of a kind without a seed flag (contractor licence or insurance,
 * elevator inspection: the table's CHECK names them), in the reminder's transaction,
 * before notify(): false when it is already recorded. The primary key makes a
 * concurrent run of the same reminder wait for this transaction and, if it commits, find
 * the reminder taken; if it rolls back (a crash), the other one claims it.
 */
export async function claimReminder(
  tx: Tx,
  kind: ReminderKind,
  id: string,
  dueDate: string,
  stage: "30" | "7",
): Promise<boolean> {
  const claimed = await tx.maybeOne(sql.type(z.object({ item_id: z.string() }))`
    INSERT INTO reminder_deliveries (organization_id, kind, item_id, due_date, stage)
    VALUES (app_current_org(), ${kind}, ${id}, ${dueDate}::date, ${stage})
    ON CONFLICT DO NOTHING
    RETURNING item_id`);
  return claimed !== null;
}

/** What a reminder changes on its row; "overdue" moves the status. */
export type ReminderMark =
  | { flags: "sent_30" | "sent_7" | "sent" }
  | { status: "overdue" | "expired" };

const TABLE_OF: Partial<Record<ReminderKind, FragmentSqlToken>> = {
  compliance: sql.fragment`compliance_tracking`,
  insurance_policy: sql.fragment`insurance_policies`,
  certification: sql.fragment`user_certifications`,
};

/** Sets the flag (or status) that says this reminder went out, in the reminder's transaction. */
export async function markReminded(
  tx: Tx,
  kind: ReminderKind,
  id: string,
  mark: ReminderMark,
): Promise<void> {
  const table = TABLE_OF[kind];
  if (!table) return; // no flag: claimReminder() recorded it
  let set: FragmentSqlToken;
  if ("status" in mark) set = sql.fragment`status = ${mark.status}`;
  else if (mark.flags === "sent") set = sql.fragment`reminder_sent = true`;
  // A 7-day reminder also settles the 30-day one: it would only repeat it, late.
  else if (mark.flags === "sent_7")
    set = sql.fragment`reminder_sent_7 = true, reminder_sent_30 = true`;
  else set = sql.fragment`reminder_sent_30 = true`;
  await tx.query(sql.type(z.object({}))`UPDATE ${table} SET ${set} WHERE id = ${id}`);
}

/** The organisation's owners, admins and managers who can be told (RLS: the current org). */
export async function organizationStaff(tx: Tx): Promise<readonly string[]> {
  return tx.anyFirst(sql.type(z.object({ id: z.string() }))`
    SELECT id FROM users
     WHERE organization_id = app_current_org()
       AND role IN ('owner', 'admin', 'manager')
       AND is_active IS NOT FALSE AND deleted_at IS NULL
     ORDER BY id`);
}

export const ReminderRun = z.object({
  subject_type: z.enum(["organization", "user"]),
  subject_id: z.string(),
  local_date: z.string(),
  timezone: z.string(),
});
export type ReminderRun = z.infer<typeof ReminderRun>;

/**
 * Records today's run for every organisation whose local time at `at` is past
 * `localHour`:00, and for every active user without an organisation who has a
 * certificate to remind of, in their own timezone; returns the runs recorded now (a run
 * already recorded for that local day is not returned again). An unknown or missing
 * timezone counts as DEFAULT_TIMEZONE. Service role: it looks at every organisation.
 */
export async function recordDueReminderRuns(
  tx: CommonQueryMethods,
  at: string,
  localHour: number,
  leadDays: number,
): Promise<readonly ReminderRun[]> {
  return tx.any(sql.type(ReminderRun)`
    WITH zones AS (SELECT name FROM pg_timezone_names),
    subjects AS (
      SELECT 'organization' AS subject_type, o.id AS subject_id,
             coalesce(z.name, ${DEFAULT_TIMEZONE}) AS timezone
        FROM organizations o
        LEFT JOIN zones z ON z.name = o.settings ->> 'timezone'
       WHERE o.deleted_at IS NULL
      UNION ALL
      SELECT 'user', u.id, coalesce(z.name, ${DEFAULT_TIMEZONE})
        FROM users u
        LEFT JOIN zones z ON z.name = u.timezone
       WHERE u.organization_id IS NULL AND u.deleted_at IS NULL AND u.is_active IS NOT FALSE
         AND EXISTS (
           SELECT 1 FROM user_certifications c
            WHERE c.user_id = u.id AND c.reminder_sent IS NOT TRUE
              AND c.expiry_date BETWEEN (${at}::timestamptz AT TIME ZONE coalesce(z.name, ${DEFAULT_TIMEZONE}))::date
                                    AND (${at}::timestamptz AT TIME ZONE coalesce(z.name, ${DEFAULT_TIMEZONE}))::date + ${leadDays}::int)
    ), due AS (
      SELECT subject_type, subject_id, timezone,
             (${at}::timestamptz AT TIME ZONE timezone) AS local_time
        FROM subjects
    )
    INSERT INTO reminder_runs (subject_type, subject_id, local_date, timezone)
    SELECT subject_type, subject_id, local_time::date, timezone
      FROM due
     WHERE local_time::time >= make_time(${localHour}::int, 0, 0)
    ON CONFLICT DO NOTHING
    RETURNING subject_type, subject_id, local_date::text AS local_date, timezone`);
}
