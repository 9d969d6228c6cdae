import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../server/env.ts";
import { Mailer } from "../server/mail/mailer.ts";
import { createSmtpTransport, DEV_SMTP_URL, smtpOptionsOf } from "../server/mail/smtp.ts";
import { appLink, renderMail, templates } from "../server/mail/templates.ts";
import { type Mailbox, startMailbox, tokenIn } from "./helpers/mailbox.ts";

let mailbox: Mailbox;
let mailer: Mailer;

beforeAll(async () => {
  mailbox = await startMailbox();
  mailer = new Mailer(
    createSmtpTransport(
      parseEnv({ SMTP_URL: mailbox.url, MAIL_FROM: "SiteSync Test <robot@sitesync.test>" }),
    ),
  );
});
afterAll(async () => {
  await mailer.close();
  await mailbox.close();
});

describe("SMTP mailer (nodemailer → a real SMTP server on loopback)", () => {
  it("delivers plain text and HTML of the same content from MAIL_FROM", async () => {
    const link = appLink("https://app.example.test/base", "reset-password", "ssp_abc-DEF_123");
    expect(link).toBe("https://app.example.test/base/reset-password?token=ssp_abc-DEF_123");
    await mailer.send(templates.passwordReset("Ann@Example.test", { link, validHours: 1 }));
    const got = await mailbox.waitFor("ann@example.test");
    expect(got.from).toBe('"SiteSync Test" <robot@sitesync.test>');
    expect(got.subject).toBe("Reset your SiteSync password");
    expect(got.text).toContain(link);
    expect(got.text).toContain("expires in 1 hour");
    expect(got.html).toContain(`href="${link}"`);
    expect(tokenIn(got)).toBe("ssp_abc-DEF_123");
  });

  it("escapes everything it puts into HTML", async () => {
    const mail = renderMail("test", "x@example.test", "s", [
      '<script>alert("x")</script> & co',
      { link: 'https://e.test/?a="><img src=x>', label: "<b>go</b>" },
    ]);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).not.toContain("<img");
    expect(mail.html).not.toContain("<b>go");
    expect(mail.html).toContain("&lt;script&gt;");
    expect(mail.text).toContain('<script>alert("x")</script> & co'); // text is not HTML
  });

  it("sendLater returns at once, delivers in the background and logs failures", async () => {
    mailer.sendLater(
      templates.emailVerification("later@example.test", {
        link: "http://a.test/?token=t1",
        validHours: 24,
      }),
    );
    await mailer.flush();
    expect(mailbox.to("later@example.test")).toHaveLength(1);
    // Nothing listens on this port: the failure is counted and logged, never thrown.
    const broken = new Mailer(createSmtpTransport(parseEnv({ SMTP_URL: "smtp://127.0.0.1:9" })));
    broken.sendLater(
      templates.emailVerification("nobody@example.test", {
        link: "http://a.test/?token=t",
        validHours: 1,
      }),
    );
    await expect(broken.flush()).resolves.toBeUndefined();
    await expect(
      broken.send(
        templates.emailVerification("nobody@example.test", {
          link: "http://a.test/?token=t",
          validHours: 1,
        }),
      ),
    ).rejects.toThrow();
    await broken.close();
  });
});

describe("mail configuration", () => {
  it("defaults to Mailpit on loopback outside production", () => {
    expect(smtpOptionsOf(parseEnv({}))).toEqual({ url: DEV_SMTP_URL });
  });

  it("accepts host/port/user/pass and infers TLS from port 465", () => {
    const options = smtpOptionsOf(
      parseEnv({
        SMTP_HOST: "mail.example.test",
        SMTP_PORT: "465",
        SMTP_USER: "u",
        SMTP_PASS: "p",
      }),
    );
    expect(options).toMatchObject({
      host: "mail.example.test",
      port: 465,
      secure: true,
      auth: { user: "u", pass: "p" },
    });
    expect(smtpOptionsOf(parseEnv({ SMTP_HOST: "mail.example.test" }))).toMatchObject({
      port: 587,
      secure: false,
    });
  });

  it("reports conflicting or incomplete SMTP settings, and missing SMTP in production", () => {
    const message = (source: Record<string, string>) => {
      try {
        parseEnv(source);
        return "";
      } catch (err) {
        expect(err).toBeInstanceOf(EnvError);
        return (err as Error).message;
      }
    };
    expect(message({ SMTP_URL: "http://x" })).toContain("SMTP_URL");
    expect(message({ SMTP_URL: "smtp://a", SMTP_HOST: "b" })).toContain("not both");
    expect(message({ SMTP_PORT: "25" })).toContain("SMTP_HOST");
    expect(message({ SMTP_HOST: "h", SMTP_USER: "u" })).toContain("SMTP_USER/SMTP_PASS");
    expect(message({ APP_URL: "ftp://x" })).toContain("APP_URL");
    const production = message({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40) });
    expect(production).toContain("SMTP_URL");
    expect(
      message({
        NODE_ENV: "production",
        JWT_SECRET: "x".repeat(40),
        SMTP_URL: "smtps://u:p@mail.test",
      }),
    ).toBe("");
  });
});
