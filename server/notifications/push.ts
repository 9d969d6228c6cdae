import webpush from "web-push";
import type { Env } from "../env.ts";
import { logger } from "../logger.ts";

/** A browser's push subscription (the PushSubscription JSON a service worker gets). */
export type PushTarget = { endpoint: string; p256dh: string; auth: string };

/** What the app's service worker receives (JSON, encrypted end to end). */
export type PushMessage = {
  id: string;
  type: string;
  title: string;
  body: string | null;
  url: string | null;
  urgent: boolean;
};

/**
 * - `delivered`: the push service accepted it (201);
 * - `gone`: the subscription no longer exists (404/410): forget it;
 * - `rejected`: this message will never be accepted (another 4xx): do not retry it.
 * A transient failure (429, 5xx, network) throws, so the job is retried.
 */
export type PushOutcome = "delivered" | "gone" | "rejected";

export interface PushSender {
  readonly name: string;
  send(target: PushTarget, message: PushMessage): Promise<PushOutcome>;
}

const log = logger.child({ component: "push" });

/**
 * Whether an endpoint is an https URL on one of the allowed push service hosts
 * (PUSH_ENDPOINT_HOSTS): checked when a subscription is registered and again before each
 * push, so our workers only ever POST to push services.
 */
export function pushEndpointAllowed(allowedHosts: readonly string[], endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== "https:" || url.username || url.password) return false;
  const host = url.hostname.toLowerCase();
  return allowedHosts.some((allowed) =>
    allowed.startsWith(".") ? host.endsWith(allowed) : host === allowed,
  );
}

/** Writes what would be pushed to the log (development, and deployments without VAPID keys). */
export class LoggingPushSender implements PushSender {
  readonly name = "log";
  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome> {
    log.info({ endpoint: new URL(target.endpoint).origin, message }, "push (logged, not sent)");
    return "delivered";
  }
}

/** How long a push service keeps an undelivered message for an offline device. */
const TTL_SECONDS = 24 * 3600;

/**
 * Web Push through the `web-push` library: the payload is encrypted for the subscription
 * (RFC 8291, aes128gcm) and signed with our VAPID key (RFC 8292), then POSTed to the
 * subscription's endpoint (the browser vendor's push service).
 */
export class WebPushSender implements PushSender {
  readonly name = "webpush";
  readonly #vapid: { subject: string; publicKey: string; privateKey: string };
  readonly #allowedHosts: readonly string[];

  constructor(
    vapid: { subject: string; publicKey: string; privateKey: string },
    allowedHosts: readonly string[],
  ) {
    this.#vapid = vapid;
    this.#allowedHosts = allowedHosts;
  }

  async send(target: PushTarget, message: PushMessage): Promise<PushOutcome> {
    // Registered under another PUSH_ENDPOINT_HOSTS: never POST anywhere but a push service.
    if (!pushEndpointAllowed(this.#allowedHosts, target.endpoint)) return "gone";
    try {
      await webpush.sendNotification(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        JSON.stringify(message),
        {
          vapidDetails: this.#vapid,
          TTL: TTL_SECONDS,
          urgency: message.urgent ? "high" : "normal",
          contentEncoding: "aes128gcm",
          timeout: 10_000,
        },
      );
      return "delivered";
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) return "gone";
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        log.warn({ status, endpoint: new URL(target.endpoint).origin }, "push rejected");
        return "rejected";
      }
      throw err;
    }
  }
}

export function pushSenderFor(env: Env): PushSender {
  if (env.PUSH_PROVIDER === "webpush" && env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY) {
    return new WebPushSender(
      {
        subject: env.VAPID_SUBJECT ?? "mailto:no-reply@sitesync.local",
        publicKey: env.VAPID_PUBLIC_KEY,
        privateKey: env.VAPID_PRIVATE_KEY,
      },
      env.PUSH_ENDPOINT_HOSTS,
    );
  }
  return new LoggingPushSender();
}
