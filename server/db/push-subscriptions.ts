import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/** A device the caller allowed notifications on (RLS: own rows only). Keys are not returned. */
export const PushSubscriptionView = z.object({
  id: z.string(),
  endpoint: z.string(),
  user_agent: z.string().nullable(),
  created_at: z.string(),
  last_success_at: z.string().nullable(),
});
export type PushSubscriptionView = z.infer<typeof PushSubscriptionView>;

const VIEW = sql.fragment`id, endpoint, user_agent, created_at, last_success_at`;

/** Devices a user may register; registering one more forgets the oldest. */
export const MAX_PUSH_SUBSCRIPTIONS = 20;

export function listPushSubscriptions(tx: Tx) {
  return tx.any(sql.type(PushSubscriptionView)`
    SELECT ${VIEW} FROM push_subscriptions
     WHERE user_id = app_current_user() ORDER BY created_at DESC, id DESC`);
}

/** Registers (or refreshes the keys of) the caller's subscription for this endpoint. */
export async function savePushSubscription(
  tx: Tx,
  input: { endpoint: string; p256dh: string; auth: string; userAgent: string | null },
): Promise<PushSubscriptionView> {
  const row = await tx.one(sql.type(PushSubscriptionView)`
    INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, user_agent)
    VALUES (app_current_user(), ${input.endpoint}, ${input.p256dh}, ${input.auth}, ${input.userAgent})
    ON CONFLICT (user_id, endpoint) DO UPDATE
       SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent
    RETURNING ${VIEW}`);
  await tx.query(sql.type(z.object({}))`
    DELETE FROM push_subscriptions
     WHERE user_id = app_current_user()
       AND id NOT IN (SELECT id FROM push_subscriptions WHERE user_id = app_current_user()
                       ORDER BY created_at DESC, id DESC LIMIT ${MAX_PUSH_SUBSCRIPTIONS})`);
  return row;
}

/** True when the caller had that subscription. */
export async function deletePushSubscription(tx: Tx, id: string): Promise<boolean> {
  const rows = await tx.any(sql.type(z.object({ id: z.string() }))`
    DELETE FROM push_subscriptions WHERE id = ${id} AND user_id = app_current_user() RETURNING id`);
  return rows.length > 0;
}
