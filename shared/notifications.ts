import { z } from "zod";

/**
 * Notification types and delivery preferences (docs/notifications.md). A type names the
 * preference category it is delivered under on each channel beyond in-app; `null` means
 * the type never goes out on that channel. Add a type here (one line) before calling
 * notify() with it: the type checker refuses an unknown one.
 *
 * The categories are the keys of `users.notification_preferences` (the seed's default
 * document): e-mail `updates` (what happens to your work), `jobs` (the job marketplace),
 * `marketing`; push `jobs` (work given to you, applications), `messages`, `alerts`
 * (changes to things you follow); SMS `emergency` only, and only for urgent notifications.
 */
export const EMAIL_CATEGORIES = ["marketing", "updates", "jobs"] as const;
export const PUSH_CATEGORIES = ["jobs", "messages", "alerts"] as const;
export const SMS_CATEGORIES = ["emergency"] as const;

type Delivery = {
  email: (typeof EMAIL_CATEGORIES)[number] | null;
  push: (typeof PUSH_CATEGORIES)[number] | null;
  /** Only urgent notifications (notify({ urgent: true })) of a type with SMS go out by SMS. */
  sms: (typeof SMS_CATEGORIES)[number] | null;
};

export const NOTIFICATION_TYPES = {
  /** A work order was assigned to a contractor: their user. */
  work_order_assigned: { email: "updates", push: "jobs", sms: "emergency" },
  /** A work order changed status: its reporter (and, through the portal, a tenant). */
  work_order_status_changed: { email: "updates", push: "alerts", sms: null },
  /** A direct message arrived while the recipient had no socket connected. */
  message_received: { email: "updates", push: "messages", sms: null },
  /** A job application's status changed: the applicant. */
  job_application_status_changed: { email: "jobs", push: "jobs", sms: null },
  /** A forum thread someone follows (or wrote) got a reply. */
  forum_reply: { email: "updates", push: "alerts", sms: null },
  /** A forum answer was accepted: its author. */
  forum_answer_accepted: { email: "updates", push: "alerts", sms: null },
  /** A new thread in a forum category someone follows. */
  forum_new_thread: { email: "updates", push: "alerts", sms: null },
  /** A tenant's service request changed (tenant portal). */
  service_request_updated: { email: "updates", push: "alerts", sms: null },
  /** Compliance and maintenance reminders from the workers. */
  reminder: { email: "updates", push: "alerts", sms: "emergency" },
} as const satisfies Record<string, Delivery>;

export type NotificationType = keyof typeof NOTIFICATION_TYPES;
export const NOTIFICATION_TYPE_NAMES = Object.keys(NOTIFICATION_TYPES) as [
  NotificationType,
  ...NotificationType[],
];

export const CHANNELS = ["email", "push", "sms"] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * What a user may set. Every key is optional: a missing category counts as on (the seed's
 * default document has every category on), so a preference added later starts on for
 * everybody until they turn it off.
 */
const categories = <const C extends readonly string[]>(names: C) =>
  z.strictObject(
    Object.fromEntries(names.map((n) => [n, z.boolean().optional()])) as {
      [K in C[number]]: z.ZodOptional<z.ZodBoolean>;
    },
  );

export const NotificationPreferences = z.strictObject({
  email: categories(EMAIL_CATEGORIES).optional(),
  push: categories(PUSH_CATEGORIES).optional(),
  sms: categories(SMS_CATEGORIES).optional(),
});
export type NotificationPreferences = z.infer<typeof NotificationPreferences>;

/** Every category with its effective value (missing = on). */
export function effectivePreferences(stored: unknown): Required<{
  [C in Channel]: Record<string, boolean>;
}> {
  const doc = (typeof stored === "object" && stored !== null ? stored : {}) as Record<
    string,
    unknown
  >;
  const channel = (name: Channel, names: readonly string[]) => {
    const given = doc[name];
    const values = (typeof given === "object" && given !== null ? given : {}) as Record<
      string,
      unknown
    >;
    return Object.fromEntries(names.map((n) => [n, values[n] !== false]));
  };
  return {
    email: channel("email", EMAIL_CATEGORIES),
    push: channel("push", PUSH_CATEGORIES),
    sms: channel("sms", SMS_CATEGORIES),
  };
}

/** Whether a notification of `type` goes out on `channel` for these stored preferences. */
export function wantsChannel(
  stored: unknown,
  type: string,
  channel: Channel,
  urgent: boolean,
): boolean {
  if (!Object.hasOwn(NOTIFICATION_TYPES, type)) return false;
  const category = NOTIFICATION_TYPES[type as NotificationType][channel];
  if (category === null) return false;
  if (channel === "sms" && !urgent) return false;
  return effectivePreferences(stored)[channel][category] === true;
}

/** What a notification is about: the app opens `url`; `type`/`id` name the row. */
export const NotificationLink = z.strictObject({
  type: z.string().min(1).max(50),
  id: z.uuid().nullish(),
  /** A path inside the web app (`/work-orders/<id>`), joined to APP_URL in e-mails. */
  url: z
    .string()
    .max(500)
    .regex(/^\/[^/\\]/, "must be a path inside the app, starting with one /"),
});
export type NotificationLink = z.infer<typeof NotificationLink>;
