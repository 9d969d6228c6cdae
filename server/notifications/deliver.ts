import { CHANNELS, type Channel, wantsChannel } from "../../shared/notifications.ts";
import {
  type DeliveryRow,
  forgetPushSubscriptions,
  lockForDelivery,
  markSent,
  pushDelivered,
  pushSubscriptionsOf,
} from "../db/notifications.ts";
import type { Env } from "../env.ts";
import type { Mailer } from "../mail/mailer.ts";
import type { Runtime } from "../runtime.ts";
import { notificationMail } from "./email.ts";
import { type PushSender, pushSenderFor } from "./push.ts";
import { SMS_MAX, type SmsSender, smsSenderFor } from "./sms.ts";

/** The channels beyond in-app. Built from the environment; tests pass their own. */
export type Senders = { mail: Mailer; push: PushSender; sms: SmsSender };

const cache = new WeakMap<Runtime, Senders>();
export function sendersOf(runtime: Runtime): Senders {
  let senders = cache.get(runtime);
  if (!senders) {
    senders = {
      mail: runtime.mail,
      push: pushSenderFor(runtime.env),
      sms: smsSenderFor(runtime.env),
    };
    cache.set(runtime, senders);
  }
  return senders;
}

/**
 * What happened on one channel: `sent` now, `already` sent by an earlier run, or why
 * nothing was sent: the preference is off (or the type never uses the channel, or SMS for
 * a notification that is not urgent), the user has no address for it, has already read it
 * in the app, is deactivated, or every device refused it.
 */
export type ChannelOutcome =
  | "sent"
  | "already"
  | "off"
  | "no_address"
  | "read"
  | "inactive"
  | "refused"
  | "missing";

/** E.164 after removing the spaces, dashes, dots and brackets people type. */
export function smsNumber(phone: string | null): string | null {
  const compact = phone?.replace(/[\s\-().]/g, "") ?? "";
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : null;
}

function smsText(env: Env, n: DeliveryRow): string {
  const link = n.link_url
    ? ` ${new URL(n.link_url.slice(1), `${env.APP_URL.replace(/\/$/, "")}/`)}`
    : "";
  const text = `SiteSync: ${n.title}`;
  return `${text.slice(0, SMS_MAX - link.length)}${link}`;
}

/**
 * Sends one notification on each channel its user wants, at most once per channel: each
 * channel is one service-role transaction that takes the notification's delivery lock,
 * skips a channel already marked sent, sends, and marks it sent in the same transaction.
 * Two runs never send concurrently, and a run after a success sends nothing. The one gap
 * is a crash between the provider accepting and the commit (the retry sends again):
 * at-least-once there, as every provider without idempotency keys forces.
 *
 * Service role: notifications belong to users of every organisation (and to users of
 * none), and delivery reads the recipient's own address, phone, preferences and devices;
 * it acts for no tenant.
 */
export async function deliverNotification(
  runtime: Runtime,
  senders: Senders,
  id: string,
): Promise<Record<Channel, ChannelOutcome>> {
  const outcome = {} as Record<Channel, ChannelOutcome>;
  const failures: unknown[] = [];
  for (const channel of CHANNELS) {
    // A channel that fails (SMTP down) does not hold back the others; the job is retried
    // afterwards and skips what this run marked sent.
    const result = await runtime.serviceDb
      .transaction(async (tx) => {
        const n = await lockForDelivery(tx, id);
        if (!n) return "missing";
        if (n[`${channel}_sent`]) return "already";
        if (!n.user_live) return "inactive";
        // Seen in the app before we got to it: nothing to tell them any more.
        if (n.is_read) return "read";
        if (!wantsChannel(n.notification_preferences, n.notification_type, channel, n.is_urgent)) {
          return "off";
        }
        const result = await send(runtime.env, senders, tx, channel, n);
        if (result === "sent") await markSent(tx, id, channel);
        return result;
      })
      .catch((err: unknown) => {
        failures.push(err);
        return null;
      });
    if (result) outcome[channel] = result;
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `notification ${id}: ${failures.length} channel(s) failed`);
  }
  return outcome;
}

async function send(
  env: Env,
  senders: Senders,
  tx: Parameters<typeof pushSubscriptionsOf>[0],
  channel: Channel,
  n: DeliveryRow,
): Promise<ChannelOutcome> {
  if (channel === "email") {
    await senders.mail.send(notificationMail(env.APP_URL, n.email, n));
    return "sent";
  }
  if (channel === "sms") {
    const to = smsNumber(n.phone);
    if (!to) return "no_address";
    return (await senders.sms.send(to, smsText(env, n))) === "delivered" ? "sent" : "refused";
  }
  const targets = await pushSubscriptionsOf(tx, n.user_id);
  if (targets.length === 0) return "no_address";
  const message = {
    id: n.id,
    type: n.notification_type,
    title: n.title,
    body: n.message,
    url: n.link_url,
    urgent: n.is_urgent,
  };
  const delivered: string[] = [];
  const gone: string[] = [];
  let failure: unknown = null;
  for (const target of targets) {
    try {
      const result = await senders.push.send(target, message);
      if (result === "delivered") delivered.push(target.id);
      if (result === "gone") gone.push(target.id);
    } catch (err) {
      failure = err;
    }
  }
  await forgetPushSubscriptions(tx, gone);
  await pushDelivered(tx, delivered);
  // One device reached is delivery; a retry would push the others' copy again to it.
  if (delivered.length > 0) return "sent";
  if (failure) throw failure;
  return "refused";
}
