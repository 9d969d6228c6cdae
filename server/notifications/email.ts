import type { Mail } from "../mail/mailer.ts";
import { appLink, renderMail } from "../mail/templates.ts";

/**
 * The e-mail of one notification: its title as the subject, its text, a button to what it
 * is about, and where to change what is e-mailed. Everything is escaped by renderMail.
 */
export function notificationMail(
  appUrl: string,
  to: string,
  n: { notification_type: string; title: string; message: string | null; link_url: string | null },
): Mail {
  return renderMail(`notification_${n.notification_type}`, to, n.title, [
    ...(n.message ? [n.message] : []),
    ...(n.link_url
      ? [{ link: appLink(appUrl, n.link_url.slice(1)), label: "Open in SiteSync" }]
      : []),
    `You get these e-mails because of your notification settings: ${appLink(appUrl, "settings/notifications")}`,
  ]);
}
