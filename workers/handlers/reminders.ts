import { enqueueAfterCommit } from "../../server/db/job-outbox.ts";
import { recordDueReminderRuns } from "../../server/db/reminders.ts";
import type { TenantContext } from "../../server/db/tenant-context.ts";
import type { JobPayload } from "../../shared/jobs.ts";
import { MAX_LEAD_DAYS } from "../reminders/rules.ts";
import { type ReminderCounts, type ReminderHooks, runReminders } from "../reminders/run.ts";
import type { JobContext } from "./context.ts";

/** Reminders go out once a day, from this local time on (docs/workers.md). */
export const REMINDER_LOCAL_HOUR = 7;

/**
 * Every 15 minutes: records and queues today's reminder run of every organisation whose
 * local time has passed 07:00 (and of every organisation-less user with a certificate
 * to remind of, in their timezone), once per local day: the reminder_runs row and the
 * job are written in one transaction, so a run is queued exactly when it is recorded.
 * A worker outage only delays the day's run to the first tick after it.
 * Service role: it reads every organisation's timezone (cross-tenant by nature); the runs
 * themselves act under each organisation's own context.
 */
export async function dispatchReminders(
  payload: JobPayload<"reminders.dispatch">,
  { runtime }: JobContext,
): Promise<{ queued: number }> {
  const at = payload.at ?? new Date().toISOString();
  return runtime.serviceDb.transaction(async (tx) => {
    const runs = await recordDueReminderRuns(tx, at, REMINDER_LOCAL_HOUR, MAX_LEAD_DAYS);
    for (const run of runs) {
      if (run.subject_type === "organization") {
        await enqueueAfterCommit(tx, "reminders.organization", {
          organization_id: run.subject_id,
          local_date: run.local_date,
        });
      } else {
        await enqueueAfterCommit(tx, "reminders.user", {
          user_id: run.subject_id,
          local_date: run.local_date,
        });
      }
    }
    return { queued: runs.length };
  });
}

/**
 * One organisation's reminders for its local day, under the organisation's RLS context
 * (no user: the organisation's own rows, nobody's personal ones); see runReminders.
 * `hooks` are for tests only.
 */
export function remindOrganization(
  payload: JobPayload<"reminders.organization">,
  ctx: JobContext,
  hooks?: ReminderHooks,
): Promise<ReminderCounts> {
  return remindFor({ organizationId: payload.organization_id, userId: null }, payload, ctx, hooks);
}

/** A user without an organisation: their own certificates, as them (their RLS context). */
export function remindUser(
  payload: JobPayload<"reminders.user">,
  ctx: JobContext,
  hooks?: ReminderHooks,
): Promise<ReminderCounts> {
  return remindFor({ organizationId: null, userId: payload.user_id }, payload, ctx, hooks);
}

function remindFor(
  context: TenantContext,
  payload: { local_date: string },
  { runtime, signal }: JobContext,
  hooks: ReminderHooks | undefined,
): Promise<ReminderCounts> {
  return runReminders(runtime.db, context, payload.local_date, { signal, hooks });
}
