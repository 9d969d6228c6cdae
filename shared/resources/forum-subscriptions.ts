import { z } from "zod";
import { col } from "./columns.ts";
import { defineResource, filter, userActions } from "./define.ts";

/**
 * A user's subscription to a forum thread or category (exactly one of the two): a reply in
 * a subscribed thread, or a new thread in a subscribed category, notifies them
 * (docs/forums.md#notifications). Private to the user; one per user and target (409 for a
 * second). DELETE removes it.
 */
export const forumSubscriptions = defineResource({
  table: "forum_subscriptions",
  entity: "forum_subscription",
  scope: "user",
  permissions: { read: "forum:read", write: "forum:write" },
  operations: ["list", "get", "create", "update", "delete"],
  references: { category_id: "forum_categories", thread_id: "forum_threads" },
  audit: userActions("forum_subscription"),
  filters: { category_id: filter.eq(z.uuid()), thread_id: filter.eq(z.uuid()) },
  columns: {
    id: col.id(),
    user_id: col.id(),
    category_id: col.uuid().createOnly(),
    thread_id: col.uuid().createOnly(),
    notify_email: col.bool().hasDefault(),
    notify_push: col.bool().hasDefault(),
    created_at: col.timestamp().notNull().readOnly(),
  },
});
export type ForumSubscriptionRow = z.infer<typeof forumSubscriptions.row>;
