import { z } from "zod";
import { NOTIFICATION_TYPE_NAMES } from "../notifications.ts";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

/**
 * The caller's own notifications (RLS: a notification is its user's alone), read-only:
 * they are created by domain events through notify() (docs/notifications.md) and marked
 * read by the actions in server/routes/notifications/ (or `notification.read` on the socket).
 */
export const notifications = defineResource({
  table: "notifications",
  entity: "notification",
  scope: "user",
  permissions: { read: "notifications:read", write: "notifications:read" },
  operations: ["list", "get"],
  audit: {},
  realtime: "notification",
  filters: {
    is_read: filter.flag(),
    notification_type: filter.eq(z.enum(NOTIFICATION_TYPE_NAMES)),
  },
  columns: {
    id: col.id(),
    user_id: col.id(),
    notification_type: col.text(50).required().readOnly(),
    title: col.text(255).required().readOnly(),
    message: col.string(2_000).readOnly(),
    link_type: col.text(50).readOnly(),
    link_id: col.uuid().readOnly(),
    link_url: col.text(500).readOnly(),
    is_read: col.bool().notNull().readOnly(),
    read_at: col.timestamp().readOnly(),
    is_urgent: col.bool().notNull().readOnly(),
    email_sent: col.bool().notNull().readOnly(),
    push_sent: col.bool().notNull().readOnly(),
    sms_sent: col.bool().notNull().readOnly(),
    created_at: col.timestamp().notNull().readOnly(),
  },
});
export type NotificationRow = z.infer<typeof notifications.row>;
