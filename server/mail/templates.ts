import escapeHtml from "escape-html";
import type { Mail } from "./mailer.ts";

/**
 * E-mail templates. Each is a list of parts rendered twice from the same source: plain
 * text, and simple HTML (escaped, no images, no scripts, inline styles only) that mail
 * clients show as is. Links carry one-time tokens, so the text says how long they last
 * and what to do when the mail was not expected.
 */
type Part = string | { link: string; label: string };

export function renderMail(kind: string, to: string, subject: string, parts: Part[]): Mail {
  const text = [
    ...parts.map((p) => (typeof p === "string" ? p : `${p.label}:\n${p.link}`)),
    "— SiteSync",
  ].join("\n\n");
  const html = [
    "<!doctype html>",
    '<html><body style="font-family:sans-serif;line-height:1.5;color:#222;max-width:36em">',
    ...parts.map((p) =>
      typeof p === "string"
        ? `<p>${escapeHtml(p)}</p>`
        : `<p><a href="${escapeHtml(p.link)}" style="display:inline-block;padding:.6em 1.2em;background:#1f5fbf;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(p.label)}</a></p>` +
          `<p style="font-size:.85em;color:#555">Or paste this address into your browser: ${escapeHtml(p.link)}</p>`,
    ),
    '<p style="color:#555">— SiteSync</p>',
    "</body></html>",
  ].join("\n");
  return { kind, to, subject, text, html };
}

/** A link into the web app, with a token when given: APP_URL/reset-password?token=… */
export function appLink(appUrl: string, path: string, token?: string): string {
  const url = new URL(path, appUrl.endsWith("/") ? appUrl : `${appUrl}/`);
  if (token) url.searchParams.set("token", token);
  return url.toString();
}

const hours = (h: number) => (h === 1 ? "1 hour" : `${h} hours`);
const days = (d: number) => (d === 1 ? "1 day" : `${d} days`);

export const templates = {
  invitation: (
    to: string,
    v: { organization: string; inviter: string; link: string; validDays: number },
  ) =>
    renderMail("invitation", to, `You are invited to ${v.organization} on SiteSync`, [
      `${v.inviter} invited you to join ${v.organization} on SiteSync.`,
      { link: v.link, label: "Accept the invitation and choose a password" },
      `The link works once and expires in ${days(v.validDays)}. If you did not expect this invitation, ignore this e-mail.`,
    ]),

  tenantInvitation: (
    to: string,
    v: { organization: string; inviter: string; link: string; validDays: number; tenant: string },
  ) =>
    renderMail("tenant_invitation", to, `Your tenant portal for ${v.tenant} on SiteSync`, [
      `${v.inviter} of ${v.organization} invited you to the SiteSync tenant portal of ${v.tenant}: report lift problems and other requests to the building, and follow them until they are resolved.`,
      { link: v.link, label: "Accept the invitation and choose a password" },
      `The link works once and expires in ${days(v.validDays)}. If you did not expect this invitation, ignore this e-mail.`,
    ]),

  registrationVerify: (to: string, v: { organization: string; link: string; validHours: number }) =>
    renderMail("registration_verify", to, "Confirm your e-mail to finish registering", [
      `Someone, hopefully you, asked to register the organisation "${v.organization}" on SiteSync with this address.`,
      { link: v.link, label: "Confirm your e-mail and finish registering" },
      `The link works once and expires in ${hours(v.validHours)}. If it was not you, ignore this e-mail: nothing is created until the link is used.`,
    ]),

  registrationExisting: (to: string, v: { loginLink: string; resetLink: string }) =>
    renderMail("registration_existing", to, "Someone tried to register with your e-mail", [
      "Someone tried to register a new SiteSync organisation with this e-mail address, which already has an account. Nothing was created.",
      { link: v.loginLink, label: "Sign in to your account" },
      { link: v.resetLink, label: "Forgot your password? Reset it" },
      "If it was not you, you can ignore this e-mail: your account is unchanged.",
    ]),

  passwordReset: (to: string, v: { link: string; validHours: number }) =>
    renderMail("password_reset", to, "Reset your SiteSync password", [
      "Someone, hopefully you, asked to reset the password of your SiteSync account.",
      { link: v.link, label: "Choose a new password" },
      `The link works once and expires in ${hours(v.validHours)}. Resetting signs you out everywhere. If it was not you, ignore this e-mail: your password is unchanged.`,
    ]),

  passwordChanged: (to: string, v: { resetLink: string }) =>
    renderMail("password_changed", to, "Your SiteSync password was changed", [
      "The password of your SiteSync account was just changed, and your other sessions were signed out.",
      "If it was not you, reset your password now and tell your organisation's administrator.",
      { link: v.resetLink, label: "Reset your password" },
    ]),

  emailVerification: (to: string, v: { link: string; validHours: number }) =>
    renderMail("email_verification", to, "Confirm your e-mail address", [
      "Please confirm that this is the e-mail address of your SiteSync account.",
      { link: v.link, label: "Confirm my e-mail address" },
      `The link works once and expires in ${hours(v.validHours)}. If you did not ask for this, ignore this e-mail.`,
    ]),
};
