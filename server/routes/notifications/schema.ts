import { z } from "zod";

export const MarkNotificationsReadBody = z.strictObject({
  notification_ids: z.union([z.array(z.uuid()).min(1).max(500), z.literal("all")]),
});
export const Updated = z.object({ updated: z.number().int() });
export const UnreadCount = z.object({ unread: z.number().int() });

const base64url = (bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "must be base64url")
    .refine((v) => Buffer.from(v, "base64url").length === bytes, `must encode ${bytes} bytes`);

/** What a browser's `PushSubscription.toJSON()` gives (expirationTime is ignored). */
export const PushSubscriptionBody = z.strictObject({
  endpoint: z
    .url({ protocol: /^https$/, hostname: z.regexes.hostname })
    .max(2048)
    .meta({ description: "The push service URL of the subscription (always https)" }),
  expirationTime: z.number().nullish(),
  keys: z.strictObject({
    /** The subscription's P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url(65).refine(
      (v) => Buffer.from(v, "base64url")[0] === 4,
      "must be an uncompressed P-256 point",
    ),
    /** The 16-byte authentication secret. */
    auth: base64url(16),
  }),
});

export const VapidKey = z.object({
  provider: z.enum(["log", "webpush"]),
  /** Pass as `applicationServerKey` to `pushManager.subscribe()`; null when push is off. */
  public_key: z.string().nullable(),
});
