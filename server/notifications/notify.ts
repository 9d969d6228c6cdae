import { sql } from "slonik";
import { z } from "zod";
import { NOTIFICATION_TYPE_NAMES, NotificationLink } from "../../shared/notifications.ts";
import { enqueueAfterCommit } from "../db/job-outbox.ts";
import type { Tx } from "../db/tenant-context.ts";

/** Longer titles and bodies are cut (with an ellipsis), never refused: they come from domain rows. */
const TITLE_MAX = 255;
const BODY_MAX = 2_000;
/** Ids per delivery job; a notify() to more recipients queues several jobs. */
const DELIVERY_BATCH = 500;

const clip = (max: number) => (s: string) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

export const NotifyInput = z.strictObject({
  /** Who is told. Chosen by the caller from rows it read under its own RLS context. */
  userIds: z.array(z.uuid()).max(10_000),
  type: z.enum(NOTIFICATION_TYPE_NAMES),
  title: z.string().trim().min(1).transform(clip(TITLE_MAX)),
  body: z.string().transform(clip(BODY_MAX)).nullish(),
  link: NotificationLink.nullish(),
  /**
   * The domain event's identity, e.g. `work_order_assigned:<id>:<assigned_at>` or
   * `forum_reply:<post id>`. The same key never notifies the same user twice, so a retried
   * job or a replayed event is harmless. Required: every caller must say what "the same
   * event" means.
   */
  dedupeKey: z.string().min(1).max(300),
  /** May go out by SMS (types with an SMS category, users with `sms.emergency` on). */
  urgent: z.boolean().default(false),
  /** The acting user (app.current_user) is left out unless this is true. */
  includeActor: z.boolean().default(false),
});
export type NotifyInput = z.input<typeof NotifyInput>;

const Id = z.object({ id: z.string() });

/**
 * Creates notifications in the caller's transaction and queues their delivery (e-mail,
 * push, SMS per each user's preferences) for after the commit (docs/notifications.md).
 * Works under any context: a request's withTenant transaction, a worker's withTenant, or
 * the service pool. Recipients may be in other organisations (notifications_create() in
 * migrations/0090 is SECURITY DEFINER for that). Inactive and deleted users, the acting
 * user and recipients already notified under this dedupe key are skipped.
 * Returns the ids of the notifications really created.
 */
export async function notify(tx: Tx, input: NotifyInput): Promise<string[]> {
  const n = NotifyInput.parse(input);
  const userIds = [...new Set(n.userIds.map((id) => id.toLowerCase()))];
  if (userIds.length === 0) return [];
  const ids = await tx.anyFirst(sql.type(Id)`
    SELECT id FROM notifications_create(
      ${sql.array(userIds, "uuid")}, ${n.type}, ${n.title}, ${n.body ?? null},
      ${n.link?.type ?? null}, ${n.link?.id ?? null}, ${n.link?.url ?? null},
      ${n.dedupeKey}, ${n.urgent}, ${n.includeActor}) AS id`);
  for (let i = 0; i < ids.length; i += DELIVERY_BATCH) {
    await enqueueAfterCommit(tx, "notifications.deliver", {
      notification_ids: ids.slice(i, i + DELIVERY_BATCH),
    });
  }
  return [...ids];
}
