import { Counter } from "prom-client";
import { logger } from "../logger.ts";
import { registry } from "../metrics.ts";

/** One e-mail, ready to send: plain text and simple HTML of the same content. */
export type Mail = {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A short name for logs and metrics (the template), never the content. */
  kind: string;
};

/** How mail leaves the process. The real one is SMTP (smtp.ts); tests use a real SMTP server too. */
export interface MailTransport {
  send(mail: Mail): Promise<void>;
  close(): Promise<void>;
}

const log = logger.child({ component: "mail" });

export const mailsSent = new Counter({
  name: "sitesync_mails_total",
  help: "E-mails handed to the SMTP server, by template and outcome",
  labelNames: ["kind", "outcome"] as const,
  registers: [registry],
});

/**
 * The interface the rest of the server uses (account e-mails here; notification e-mails
 * later). `send` waits and throws, for callers that retry (a queued job). `sendLater`
 * returns at once: it is for a request that has already committed, whose answer must not
 * wait on, fail with, or be timed by the SMTP server (a reset request answers the same
 * whether or not a mail goes out). Failures are logged and counted, never thrown.
 */
export class Mailer {
  readonly #transport: MailTransport;
  readonly #pending = new Set<Promise<void>>();

  constructor(transport: MailTransport) {
    this.#transport = transport;
  }

  async send(mail: Mail): Promise<void> {
    try {
      await this.#transport.send(mail);
      mailsSent.inc({ kind: mail.kind, outcome: "sent" });
    } catch (err) {
      mailsSent.inc({ kind: mail.kind, outcome: "failed" });
      throw err;
    }
  }

  /**
   * Sends in the background. Call it only after the transaction that decided the mail
   * has committed: a mail about a rolled-back change must never go out.
   */
  sendLater(...mails: Mail[]): void {
    for (const mail of mails) {
      const sending = this.send(mail)
        .catch((err: unknown) => {
          log.error({ kind: mail.kind, err: (err as Error).message }, "sending an e-mail failed");
        })
        .finally(() => this.#pending.delete(sending));
      this.#pending.add(sending);
    }
  }

  /** Waits for the background sends (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#transport.close();
  }
}
