import { z } from "zod";

/** A notification for one user (assignment, reminder…); `link_*` point at what it is about. */
export const NotificationRow = z.object({
  id: z.string(),
  user_id: z.string(),
  notification_type: z.string(),
  title: z.string(),
  message: z.string().nullable(),
  link_type: z.string().nullable(),
  link_id: z.string().nullable(),
  link_url: z.string().nullable(),
  is_read: z.boolean(),
  read_at: z.string().nullable(),
  email_sent: z.boolean(),
  push_sent: z.boolean(),
  sms_sent: z.boolean(),
  created_at: z.string(),
  /** The domain event that caused it (one notification per event and user). */
  dedupe_key: z.string().nullable(),
  /** May go out by SMS (docs/notifications.md). */
  is_urgent: z.boolean(),
});
export type NotificationRow = z.infer<typeof NotificationRow>;
