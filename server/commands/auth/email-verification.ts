import type { Request } from "express";
import { tenantOf } from "../../auth/access.ts";
import type { Principal } from "../../auth/principal.ts";
import { newOneTimeToken, sha256 } from "../../auth/tokens.ts";
import {
  consumeAccountToken,
  findAccountTokenOwner,
  insertAccountToken,
  voidAccountTokens,
} from "../../db/account-tokens.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { getUser, markEmailVerified, type UserRow } from "../../db/users.ts";
import { AppError, conflict, forbidden, unauthorized } from "../../errors.ts";
import { consumeAccountMailLimits } from "../../http/rate-limit.ts";
import { appLink, templates } from "../../mail/templates.ts";
import type { Runtime } from "../../runtime.ts";
import { clientOf } from "./session.ts";

export const EMAIL_VERIFICATION_TTL_HOURS = 24;

/**
 * POST /me/email-verification: mails the signed-in user a link (ssv_ token, 24 h) that
 * proves their address. Registration and accepted invitations verify the address on
 * their own; this is for accounts that have not (created before verification existed,
 * or whose address was set by an administrator). A newer link voids older ones.
 */
export async function requestEmailVerification(
  runtime: Runtime,
  req: Request,
  principal: Principal,
): Promise<void> {
  if (principal.kind !== "user") {
    throw forbidden("An API key cannot verify an address; sign in as the user");
  }
  await consumeAccountMailLimits(runtime, { "email-verification-user": principal.userId });
  const token = newOneTimeToken("ssv");
  const email = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const user = await getUser(tx, principal.userId);
    if (!user) throw unauthorized();
    if (user.email_verified) throw conflict("This e-mail address is already verified");
    await voidAccountTokens(tx, user.id, "email_verification");
    await insertAccountToken(tx, {
      user_id: user.id,
      purpose: "email_verification",
      email: user.email,
      token_hash: sha256(token),
      ttlMinutes: EMAIL_VERIFICATION_TTL_HOURS * 60,
      requested_ip: clientOf(req).ip,
    });
    return user.email;
  });
  runtime.mail.sendLater(
    templates.emailVerification(email, {
      link: appLink(runtime.env.APP_URL, "verify-email", token),
      validHours: EMAIL_VERIFICATION_TTL_HOURS,
    }),
  );
}

const verificationInvalid = () =>
  new AppError(401, "unauthorized", "The verification link is not valid or has expired");

/**
 * POST /auth/verify-email: the link is the credential (no sign-in needed, the mail may be
 * opened on another device). Uses the token once and marks the address verified if it is
 * still the one the link was sent to, under the user's own context.
 */
export async function verifyEmail(runtime: Runtime, token: string): Promise<{ user: UserRow }> {
  const found = await findAccountTokenOwner(runtime.serviceDb, "email_verification", sha256(token));
  if (!found) throw verificationInvalid();
  const context = { organizationId: found.organization_id, userId: found.user_id };
  const user = await withTenant(runtime.db, context, async (tx) => {
    const used = await consumeAccountToken(tx, found.id);
    return used ? markEmailVerified(tx, found.user_id, used.email) : null;
  });
  if (!user) throw verificationInvalid();
  return { user };
}
