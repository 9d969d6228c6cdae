import { type CommonQueryMethods, sql } from "slonik";
import { z } from "zod";
import type { Channel } from "../../shared/notifications.ts";
import type { Tx } from "./tenant-context.ts";

/** Marks the caller's own notifications read; already-read ones are not counted again. */
export async function markNotificationsRead(
  tx: Tx,
  ids: readonly string[] | "all",
): Promise<number> {
  const which =
    ids === "all" ? sql.fragment`TRUE` : sql.fragment`id = ANY(${sql.array(ids, "uuid")})`;
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    UPDATE notifications SET is_read = true, read_at = now()
     WHERE ${which}
       AND user_id = app_current_user()
       AND is_read IS NOT TRUE
    RETURNING id`);
  return rows.length;
}

/** One notification with what delivering it needs of its user (service role). */
export const DeliveryRow = z.object({
  id: z.string(),
  user_id: z.string(),
  notification_type: z.string(),
  title: z.string(),
  message: z.string().nullable(),
  link_url: z.string().nullable(),
  is_read: z.boolean(),
  is_urgent: z.boolean(),
  email_sent: z.boolean(),
  push_sent: z.boolean(),
  sms_sent: z.boolean(),
  email: z.string(),
  phone: z.string().nullable(),
  notification_preferences: z.unknown(),
  user_live: z.boolean(),
});
export type DeliveryRow = z.infer<typeof DeliveryRow>;

/**
 * Reads a notification for delivery after taking a transaction-level advisory lock on it,
 * so two runs of its delivery (a duplicate or retried job) are serialised and the second
 * sees what the first marked sent. An advisory lock rather than FOR UPDATE: the user
 * marking it read meanwhile must not wait for an SMTP server.
 */
export async function lockForDelivery(
  tx: CommonQueryMethods,
  id: string,
): Promise<DeliveryRow | null> {
  await tx.query(sql.type(z.object({}))`
    SELECT pg_advisory_xact_lock(hashtextextended('notification-delivery:' || ${id}, 0))`);
  return tx.maybeOne(sql.type(DeliveryRow)`
    SELECT n.id, n.user_id, n.notification_type, n.title, n.message, n.link_url, n.is_read,
           n.is_urgent, n.email_sent, n.push_sent, n.sms_sent, u.email, u.phone,
           u.notification_preferences,
           (u.deleted_at IS NULL AND u.is_active IS NOT FALSE) AS user_live
      FROM notifications n JOIN users u ON u.id = n.user_id
     WHERE n.id = ${id}`);
}

const SENT_COLUMN: Record<Channel, string> = {
  email: "email_sent",
  push: "push_sent",
  sms: "sms_sent",
};

export async function markSent(tx: CommonQueryMethods, id: string, channel: Channel) {
  await tx.query(sql.type(z.object({}))`
    UPDATE notifications SET ${sql.identifier([SENT_COLUMN[channel]])} = true WHERE id = ${id}`);
}

export const PushSubscriptionRow = z.object({
  id: z.string(),
  endpoint: z.string(),
  p256dh: z.string(),
  auth: z.string(),
});

export function pushSubscriptionsOf(tx: CommonQueryMethods, userId: string) {
  return tx.any(sql.type(PushSubscriptionRow)`
    SELECT id, endpoint, p256dh, auth FROM push_subscriptions
     WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC`);
}

export async function pushDelivered(tx: CommonQueryMethods, ids: readonly string[]) {
  if (ids.length === 0) return;
  await tx.query(sql.type(z.object({}))`
    UPDATE push_subscriptions SET last_success_at = now() WHERE id = ANY(${sql.array(ids, "uuid")})`);
}

/** The push service said the subscription no longer exists (404/410). */
export async function forgetPushSubscriptions(tx: CommonQueryMethods, ids: readonly string[]) {
  if (ids.length === 0) return;
  await tx.query(sql.type(z.object({}))`
    DELETE FROM push_subscriptions WHERE id = ANY(${sql.array(ids, "uuid")})`);
}

/** The caller's unread notifications (idx_notification_read). */
export function countUnreadNotifications(tx: Tx): Promise<number> {
  return tx.oneFirst(sql.type(z.object({ n: z.number() }))`
    SELECT count(*)::int AS n FROM notifications
     WHERE user_id = app_current_user() AND is_read = false`);
}
