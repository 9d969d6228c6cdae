import type { Env } from "../env.ts";
import { logger } from "../logger.ts";

/**
 * - `delivered`: the gateway accepted it;
 * - `rejected`: it never will (an invalid or unreachable number, a 4xx): do not retry.
 * A transient failure (429, 5xx, network, timeout) throws, so the job is retried.
 */
export type SmsOutcome = "delivered" | "rejected";

export interface SmsSender {
  readonly name: string;
  send(to: string, body: string): Promise<SmsOutcome>;
}

const log = logger.child({ component: "sms" });

/** SMS are one segment-ish: longer texts are cut, the link is what matters. */
export const SMS_MAX = 320;

/** Writes what would be sent to the log (development, and deployments without a gateway). */
export class LoggingSmsSender implements SmsSender {
  readonly name = "log";
  async send(to: string, body: string): Promise<SmsOutcome> {
    // The number's last digits only: logs are not a phone book.
    log.info({ to: `…${to.slice(-3)}`, body }, "sms (logged, not sent)");
    return "delivered";
  }
}

/**
 * Twilio's Messages API, which other gateways copy: `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`,
 * HTTP Basic (account sid : auth token), form-encoded `To`, `From` (or `MessagingServiceSid`
 * for an `MG…` sender) and `Body`; 201 with the message's JSON on success.
 */
export class TwilioSmsSender implements SmsSender {
  readonly name = "twilio";
  readonly #config: { baseUrl: string; accountSid: string; authToken: string; from: string };

  constructor(config: { baseUrl: string; accountSid: string; authToken: string; from: string }) {
    this.#config = config;
  }

  async send(to: string, body: string): Promise<SmsOutcome> {
    const { baseUrl, accountSid, authToken, from } = this.#config;
    const url = new URL(
      `2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`,
      baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`,
    );
    const form = new URLSearchParams({ To: to, Body: body.slice(0, SMS_MAX) });
    form.set(from.startsWith("MG") ? "MessagingServiceSid" : "From", from);
    const res = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: form,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (res.ok) return "delivered";
    if (res.status >= 400 && res.status < 500 && res.status !== 429) {
      log.warn({ status: res.status, body: text.slice(0, 300) }, "sms rejected by the gateway");
      return "rejected";
    }
    throw new Error(`SMS gateway answered ${res.status}`);
  }
}

export function smsSenderFor(env: Env): SmsSender {
  if (
    env.SMS_PROVIDER === "twilio" &&
    env.SMS_TWILIO_ACCOUNT_SID &&
    env.SMS_TWILIO_AUTH_TOKEN &&
    env.SMS_FROM
  ) {
    return new TwilioSmsSender({
      baseUrl: env.SMS_TWILIO_BASE_URL,
      accountSid: env.SMS_TWILIO_ACCOUNT_SID,
      authToken: env.SMS_TWILIO_AUTH_TOKEN,
      from: env.SMS_FROM,
    });
  }
  return new LoggingSmsSender();
}
