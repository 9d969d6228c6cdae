import type { DatabasePool } from "slonik";
import {
  claimReminder,
  findReminderItems,
  loadReminderItem,
  markReminded,
  organizationStaff,
  REMINDER_KINDS,
  type ReminderItem,
  type ReminderKind,
} from "../../server/db/reminders.ts";
import { type TenantContext, type Tx, withTenant } from "../../server/db/tenant-context.ts";
import { notify } from "../../server/notifications/notify.ts";
import { dedupeKey, markFor, messageFor, RULES, type Stage, stageFor } from "./rules.ts";

/** Tests step in between sending and flagging (a crash there must leave nothing). */
export type ReminderHooks = {
  afterNotify?: (tx: Tx, kind: ReminderKind, item: ReminderItem, stage: Stage) => Promise<void>;
};

export type ReminderCounts = Record<ReminderKind, { reminders: number; notifications: number }>;

/**
 * Sends the reminders due on `localDate` for one organisation (or one user without an
 * organisation: their certificates only), under that context's RLS.
 *
 * Exactly once: each reminder is one transaction that locks its row (kinds with flags),
 * decides again from the row as it is now, creates the notifications (their e-mail, push
 * and SMS are queued by notify() through the job outbox, so they exist only if this
 * commits) and sets the flag or status that records it. A second run, or a concurrent one
 * that waited for the lock, finds the flag set; a crash before the commit leaves neither
 * the notifications nor the flag, and the retry sends once. Kinds without a seed flag
 * claim the reminder in reminder_deliveries before notifying instead of locking: a
 * concurrent run waits on its primary key, then finds it taken.
 */
export async function runReminders(
  db: DatabasePool,
  context: TenantContext,
  localDate: string,
  options: { signal?: AbortSignal; hooks?: ReminderHooks } = {},
): Promise<ReminderCounts> {
  const kinds: readonly ReminderKind[] =
    context.organizationId === null ? ["certification"] : REMINDER_KINDS;
  const { staff, candidates } = await withTenant(db, context, async (tx) => {
    const found: { kind: ReminderKind; items: readonly ReminderItem[] }[] = [];
    for (const kind of kinds) {
      const { leadDays, overdueFrom } = RULES[kind];
      found.push({
        kind,
        items: await findReminderItems(tx, kind, localDate, leadDays, overdueFrom),
      });
    }
    return { staff: await organizationStaff(tx), candidates: found };
  });

  const counts = Object.fromEntries(
    REMINDER_KINDS.map((k) => [k, { reminders: 0, notifications: 0 }]),
  ) as ReminderCounts;
  const failures: string[] = [];
  for (const { kind, items } of candidates) {
    for (const candidate of items) {
      options.signal?.throwIfAborted();
      try {
        const sent = await withTenant(db, context, (tx) =>
          remindOne(tx, kind, candidate.id, localDate, staff, options.hooks),
        );
        if (sent !== null) {
          counts[kind].reminders++;
          counts[kind].notifications += sent;
        }
      } catch (err) {
        if (options.signal?.aborted) throw err;
        failures.push(`${kind} ${candidate.id}: ${(err as Error).message}`);
      }
    }
  }
  // The others went out; a retry redoes only what failed (the rest is flagged).
  if (failures.length > 0) throw new Error(`reminders failed: ${failures.join("; ")}`);
  return counts;
}

/** One reminder in the caller's transaction; the number of notifications, or null if none was due. */
async function remindOne(
  tx: Tx,
  kind: ReminderKind,
  id: string,
  localDate: string,
  staff: readonly string[],
  hooks: ReminderHooks | undefined,
): Promise<number | null> {
  const rule = RULES[kind];
  // Rows with the seed's flags are locked; the others are claimed in reminder_deliveries,
  // whose primary key serialises concurrent runs of the same reminder instead.
  const item = await loadReminderItem(tx, kind, id, localDate, rule.flags !== "ledger");
  if (!item) return null;
  const stage = stageFor(kind, item);
  if (!stage) return null;
  if (rule.flags === "ledger") {
    if (stage === "overdue") return null; // no such reminder for these kinds
    if (!(await claimReminder(tx, kind, item.id, item.due_date, stage))) return null;
  }
  const recipients = [...staff];
  if (rule.tellsItemUser && item.user_id) recipients.push(item.user_id);
  const { title, body } = messageFor(kind, item, stage);
  const created = await notify(tx, {
    userIds: recipients,
    type: "reminder",
    title,
    body,
    link: rule.link(item),
    dedupeKey: dedupeKey(kind, item, stage),
    // A certificate holder's own run acts as them: they are still told.
    includeActor: true,
  });
  await hooks?.afterNotify?.(tx, kind, item, stage);
  const mark = markFor(kind, stage);
  if (mark) await markReminded(tx, kind, item.id, mark);
  return created.length;
}
