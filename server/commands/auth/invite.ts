import type { Request } from "express";
import type { Role } from "../../../shared/permissions.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { hashPassword } from "../../auth/passwords.ts";
import type { Principal } from "../../auth/principal.ts";
import { newOneTimeToken, sha256 } from "../../auth/tokens.ts";
import { getOrganization } from "../../db/organizations.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import {
  consumeInvitation,
  expireOpenInvitations,
  findInvitationByTokenHash,
  getUser,
  hasPassword,
  insertInvitation,
  insertUser,
  lockOrgUser,
  setUserPassword,
  type UserRow,
} from "../../db/users.ts";
import { AppError, conflict, notFound } from "../../errors.ts";
import type { Mail } from "../../mail/mailer.ts";
import { appLink, templates } from "../../mail/templates.ts";
import type { Runtime } from "../../runtime.ts";
import { assertMayGrant, requireOrg } from "./membership.ts";
import { actingUser, clientOf, openSession, type TokenPair } from "./session.ts";

export const INVITATION_TTL_DAYS = 7;

export type InviteInput = { email: string; role: Role; first_name?: string; last_name?: string };

/**
 * Runs an invitation's writes in one transaction under the inviter's context and mails the
 * link after the commit (never from inside it: the answer neither waits for nor fails with
 * the SMTP server, and a rolled-back invitation sends nothing).
 */
export async function inviteThenMail<T>(
  runtime: Runtime,
  principal: Principal,
  work: (tx: Tx) => Promise<{ mail: Mail; result: T }>,
): Promise<T> {
  const { mail, result } = await withTenant(runtime.db, tenantOf(principal), work);
  runtime.mail.sendLater(mail);
  return result;
}

/**
 * Creates the invited user (no password, so nobody can log in as them yet) and a
 * one-time invitation whose link is e-mailed to them after the commit. Only the token's
 * SHA-256 is stored and the inviter never sees the token: whoever holds it can choose
 * the account's password, and that must be the owner of the address.
 */
export async function invite(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  input: InviteInput,
): Promise<{ user: UserRow; invite_expires_at: string }> {
  const organizationId = requireOrg(principal);
  assertMayGrant(principal, input.role);
  return inviteThenMail(runtime, principal, async (tx) => {
    const user = await insertUser(tx, {
      organization_id: organizationId,
      email: input.email.trim(),
      password_hash: null,
      role: input.role,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
    });
    const sent = await issueInvitation(runtime, tx, principal, organizationId, user);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_created",
      entityType: "user",
      entityId: user.id,
      data: { via: "invite", role: input.role, invitation_id: sent.invitationId },
      newState: user,
    });
    return { mail: sent.mail, result: { user, invite_expires_at: sent.expiresAt } };
  });
}

/**
 * POST /users/:id/resend-invite: a new link for someone who has not accepted yet (the
 * mail was lost, or the link expired). Their earlier links stop working.
 */
export async function resendInvite(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  userId: string,
): Promise<{ user: UserRow; invite_expires_at: string }> {
  const organizationId = requireOrg(principal);
  return inviteThenMail(runtime, principal, async (tx) => {
    const user = await lockOrgUser(tx, organizationId, userId);
    if (!user) throw notFound("User");
    // Re-inviting an owner is granting owner again: only an owner may.
    if (user.role === "owner") assertMayGrant(principal, "owner");
    if (!user.is_active || (await hasPassword(tx, user.id))) {
      throw conflict("This user has already accepted an invitation or is inactive");
    }
    await expireOpenInvitations(tx, user.id);
    const sent = await issueInvitation(runtime, tx, principal, organizationId, user);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_action",
      entityType: "user",
      entityId: user.id,
      data: { action: "invitation_resent", invitation_id: sent.invitationId },
    });
    return { mail: sent.mail, result: { user, invite_expires_at: sent.expiresAt } };
  });
}

/** What an invitation mail says: who invites, on whose behalf, and the one-time link. */
export type InvitationMailParts = {
  organization: string;
  inviter: string;
  link: string;
  validDays: number;
};

/**
 * Writes the invitation row and renders its mail (sent by the caller after the commit):
 * a member's invitation by default, or the caller's template (a tenant portal's).
 */
export async function issueInvitation(
  runtime: Runtime,
  tx: Tx,
  principal: Principal,
  organizationId: string,
  user: UserRow,
  render: (to: string, parts: InvitationMailParts) => Mail = templates.invitation,
): Promise<{ invitationId: string; expiresAt: string; mail: Mail }> {
  const token = newOneTimeToken("ssi");
  const invitation = await insertInvitation(tx, {
    organization_id: organizationId,
    user_id: user.id,
    invited_by: principal.userId,
    token_hash: sha256(token),
    ttlDays: INVITATION_TTL_DAYS,
  });
  const organization = await getOrganization(tx, organizationId);
  const inviter = await getUser(tx, principal.userId);
  const inviterName =
    [inviter?.first_name, inviter?.last_name].filter(Boolean).join(" ") ||
    inviter?.email ||
    "A colleague";
  return {
    invitationId: invitation.id,
    expiresAt: invitation.expires_at,
    mail: render(user.email, {
      organization: organization?.name ?? "an organisation",
      inviter: inviterName,
      link: appLink(runtime.env.APP_URL, "accept-invite", token),
      validDays: INVITATION_TTL_DAYS,
    }),
  };
}

const invitationInvalid = () => new AppError(401, "unauthorized", "The invitation is not valid");

/**
 * Sets the invited user's password and signs them in. The token is the only credential,
 * so the invitation is found with the service pool; everything written runs under the
 * invited user's own context, and consumeInvitation() (UPDATE ... WHERE accepted_at IS
 * NULL) lets a token be used exactly once even when two requests race.
 */
export async function acceptInvite(
  runtime: Runtime,
  req: Request,
  input: { token: string; password: string },
): Promise<TokenPair & { user: UserRow }> {
  const found = await findInvitationByTokenHash(runtime.serviceDb, sha256(input.token));
  if (!found || found.accepted_at !== null || Date.parse(found.expires_at) <= Date.now()) {
    throw invitationInvalid();
  }
  const passwordHash = await hashPassword(input.password);
  const context = { organizationId: found.organization_id, userId: found.user_id };
  const client = clientOf(req);
  const result = await withTenant(runtime.db, context, async (tx) => {
    const user = await getUser(tx, found.user_id);
    if (!user?.is_active) return null;
    // A tenant portal user was invited by the site's organisation but belongs to none.
    const portal = user.organization_id === null && user.role === "tenant";
    if (!portal && user.organization_id !== found.organization_id) return null;
    if (!(await consumeInvitation(tx, found.id))) return null;
    await setUserPassword(tx, user.id, passwordHash, { verifiesEmail: true });
    await recordAudit(tx, actingUser(req, user), {
      organizationId: found.organization_id,
      eventType: "password_changed",
      entityType: "user",
      entityId: user.id,
      data: { via: "accept_invite", invitation_id: found.id },
    });
    const { tokens } = await openSession(
      tx,
      runtime.env,
      { id: user.id, organizationId: portal ? null : found.organization_id },
      client,
    );
    const fresh = await getUser(tx, user.id);
    return { ...tokens, user: fresh ?? user };
  });
  if (!result) throw invitationInvalid();
  return result;
}
