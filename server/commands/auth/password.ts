import type { Request } from "express";
import { recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { hashPassword, verifyPassword } from "../../auth/passwords.ts";
import type { Principal } from "../../auth/principal.ts";
import { newOneTimeToken, sha256 } from "../../auth/tokens.ts";
import {
  consumeAccountToken,
  findAccountTokenOwner,
  insertAccountToken,
  voidAccountTokens,
} from "../../db/account-tokens.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { revokeOtherSessions, revokeUserSessions } from "../../db/user-sessions.ts";
import { findLoginCandidate, getPasswordHash, getUser, setUserPassword } from "../../db/users.ts";
import { AppError, forbidden, unauthorized } from "../../errors.ts";
import { consumeAccountMailLimits, loginGuard } from "../../http/rate-limit.ts";
import { appLink, templates } from "../../mail/templates.ts";
import type { Runtime } from "../../runtime.ts";
import { actingUser, clientOf } from "./session.ts";

export const PASSWORD_RESET_TTL_MINUTES = 60;

/** The one answer to every accepted reset request, whether or not the address has an account. */
export const PASSWORD_RESET_PENDING = {
  status: "pending",
  detail: "If an account uses this address, a link to reset its password is on its way.",
} as const;

/**
 * POST /auth/password-reset: mails a one-time link (ssp_ token, SHA-256 stored, 1 hour)
 * to a usable account with this address. The caller always gets the same 202, and the
 * per-address and per-IP limits count every request alike, so it reveals nothing. The
 * user is found on the service pool (no context exists yet, as at login); the token row
 * is written under the user's own context; the mail goes after the commit.
 */
export async function requestPasswordReset(
  runtime: Runtime,
  req: Request,
  input: { email: string },
): Promise<void> {
  const email = input.email.trim();
  const client = clientOf(req);
  await consumeAccountMailLimits(runtime, {
    "password-reset-ip": client.ip ?? "unknown",
    "password-reset-email": email,
  });
  const user = await findLoginCandidate(runtime.serviceDb, email);
  if (!user?.usable) return;
  const token = newOneTimeToken("ssp");
  await withTenant(runtime.db, { organizationId: user.organization_id, userId: user.id }, (tx) =>
    insertAccountToken(tx, {
      user_id: user.id,
      purpose: "password_reset",
      email: user.email,
      token_hash: sha256(token),
      ttlMinutes: PASSWORD_RESET_TTL_MINUTES,
      requested_ip: client.ip,
    }),
  );
  runtime.mail.sendLater(
    templates.passwordReset(user.email, {
      link: appLink(runtime.env.APP_URL, "reset-password", token),
      validHours: PASSWORD_RESET_TTL_MINUTES / 60,
    }),
  );
}

const resetInvalid = () =>
  new AppError(401, "unauthorized", "The reset link is not valid or has expired");

/**
 * POST /auth/password-reset/confirm: sets the new password and ends **every** session of
 * the user (the hub ends their sockets with session.ended), in one transaction under the
 * user's own context, which also uses the token (once, even under a race), voids their
 * other reset links and writes password_changed. The link proves the address, so it also
 * marks it verified. The user signs in again afterwards.
 */
export async function confirmPasswordReset(
  runtime: Runtime,
  req: Request,
  input: { token: string; password: string },
): Promise<void> {
  const found = await findAccountTokenOwner(
    runtime.serviceDb,
    "password_reset",
    sha256(input.token),
  );
  if (!found) throw resetInvalid();
  const passwordHash = await hashPassword(input.password);
  const context = { organizationId: found.organization_id, userId: found.user_id };
  const reset = await withTenant(runtime.db, context, async (tx) => {
    const used = await consumeAccountToken(tx, found.id);
    const user = used ? await getUser(tx, found.user_id) : null;
    const usable =
      user?.is_active && !user.deleted_at && user.email.toLowerCase() === used?.email.toLowerCase();
    if (!user || !usable) return false;
    await setUserPassword(tx, user.id, passwordHash, { verifiesEmail: true });
    await voidAccountTokens(tx, user.id, "password_reset");
    const revoked = await revokeUserSessions(tx, user.id);
    await recordAudit(tx, actingUser(req, user), {
      organizationId: found.organization_id,
      eventType: "password_changed",
      entityType: "user",
      entityId: user.id,
      data: { via: "reset", sessions_revoked: revoked },
    });
    return true;
  });
  if (!reset) throw resetInvalid();
}

/**
 * POST /me/password: a signed-in user changes their password. The current password is
 * required (a stolen access token alone cannot take the account over) and wrong guesses
 * count towards the same brute-force limits as login. Every other session ends; this one
 * stays. Open reset links die. The user is told by mail, after the commit.
 */
export async function changePassword(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  input: { current_password: string; new_password: string },
): Promise<void> {
  const sessionId = principal.sessionId;
  if (principal.kind !== "user" || !sessionId) {
    throw forbidden("An API key cannot change a password; sign in as the user");
  }
  const context = tenantOf(principal);
  const current = await withTenant(runtime.db, context, async (tx) => ({
    user: await getUser(tx, principal.userId),
    hash: await getPasswordHash(tx, principal.userId),
  }));
  if (!current.user) throw unauthorized();
  const email = current.user.email;
  const ip = clientOf(req).ip ?? "unknown";
  const guard = loginGuard(runtime);
  await guard.check(email, ip);
  if (!(await verifyPassword(current.hash, input.current_password))) {
    await guard.fail(email, ip);
    throw forbidden("The current password is not correct");
  }
  await guard.succeed(email);
  const passwordHash = await hashPassword(input.new_password);
  await withTenant(runtime.db, context, async (tx) => {
    await setUserPassword(tx, principal.userId, passwordHash, { verifiesEmail: false });
    await voidAccountTokens(tx, principal.userId, "password_reset");
    const revoked = await revokeOtherSessions(tx, principal.userId, sessionId);
    await recordAudit(tx, actingUser(req, { id: principal.userId, email }), {
      organizationId: principal.organizationId,
      eventType: "password_changed",
      entityType: "user",
      entityId: principal.userId,
      data: { via: "change", sessions_revoked: revoked },
    });
  });
  runtime.mail.sendLater(
    templates.passwordChanged(email, {
      resetLink: appLink(runtime.env.APP_URL, "forgot-password"),
    }),
  );
}
