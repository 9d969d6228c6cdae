import nodemailer from "nodemailer";
import type { SMTPPoolOptions } from "nodemailer/lib/smtp-pool";
import type { Env } from "../env.ts";
import type { Mail, MailTransport } from "./mailer.ts";

/** Mailpit's SMTP port on loopback: the development default (docker-compose.yml runs it). */
export const DEV_SMTP_URL = "smtp://127.0.0.1:1025";

/** nodemailer's SMTP options from the environment (server/env.ts validated them). */
export function smtpOptionsOf(env: Env): SMTPPoolOptions {
  if (env.SMTP_URL) return { url: env.SMTP_URL };
  if (!env.SMTP_HOST) return { url: DEV_SMTP_URL };
  const port = env.SMTP_PORT ?? (env.SMTP_SECURE === "true" ? 465 : 587);
  return {
    host: env.SMTP_HOST,
    port,
    secure: env.SMTP_SECURE ? env.SMTP_SECURE === "true" : port === 465,
    auth: env.SMTP_USER && env.SMTP_PASS ? { user: env.SMTP_USER, pass: env.SMTP_PASS } : undefined,
  };
}

/** SMTP through nodemailer, pooled: one connection reused for many mails. */
export function createSmtpTransport(env: Env): MailTransport {
  const transporter = nodemailer.createTransport({
    ...smtpOptionsOf(env),
    pool: true,
    maxConnections: 2,
    // Fail a mail within seconds when the server is unreachable, not after minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail: Mail) {
      await transporter.sendMail({
        from: env.MAIL_FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
      });
    },
    async close() {
      transporter.close();
    },
  };
}
