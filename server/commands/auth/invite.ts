import type { Request } from "express";
import type { Role } from "../../../shared/permissions.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { hashPassword } from "../../auth/passwords.ts";
import type { Principal } from "../../auth/principal.ts";
import { newOneTimeToken, sha256 } from "../../auth/tokens.ts";
import { withTenant } from "../../db/tenant-context.ts";
import {
  consumeInvitation,
  findInvitationByTokenHash,
  getUser,
  insertInvitation,
  insertUser,
  setUserPassword,
  type UserRow,
} from "../../db/users.ts";
import { AppError } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";
import { assertMayGrant, requireOrg } from "./membership.ts";
import { clientOf, openSession, type TokenPair } from "./session.ts";

export const INVITATION_TTL_DAYS = 7;

export type InviteInput = { email: string; role: Role; first_name?: string; last_name?: string };

/**
 * Creates the invited user (no password, so nobody can log in as them yet) and a
 * one-time invitation token. The token is returned once; only its SHA-256 is stored.
 */
export async function invite(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  input: InviteInput,
): Promise<{ user: UserRow; invite_token: string; invite_expires_at: string }> {
  const organizationId = requireOrg(principal);
  assertMayGrant(principal, input.role);
  const token = newOneTimeToken("ssi");
  return withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const user = await insertUser(tx, {
      organization_id: organizationId,
      email: input.email.trim(),
      password_hash: null,
      role: input.role,
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
    });
    const invitation = await insertInvitation(tx, {
      organization_id: organizationId,
      user_id: user.id,
      invited_by: principal.userId,
      token_hash: sha256(token),
      ttlDays: INVITATION_TTL_DAYS,
    });
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_created",
      entityType: "user",
      entityId: user.id,
      data: { via: "invite", role: input.role, invitation_id: invitation.id },
      newState: user,
    });
    return { user, invite_token: token, invite_expires_at: invitation.expires_at };
  });
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
    if (!user?.is_active || user.organization_id !== found.organization_id) return null;
    if (!(await consumeInvitation(tx, found.id))) return null;
    await setUserPassword(tx, user.id, passwordHash, { verifiesEmail: true });
    await recordAudit(
      tx,
      {
        actorId: user.id,
        actorType: "user",
        actorEmail: user.email,
        ip: client.ip,
        userAgent: client.userAgent,
        requestId: req.id ? String(req.id) : null,
      },
      {
        organizationId: found.organization_id,
        eventType: "password_changed",
        entityType: "user",
        entityId: user.id,
        data: { via: "accept_invite", invitation_id: found.id },
      },
    );
    const { tokens } = await openSession(
      tx,
      runtime.env,
      { id: user.id, organizationId: found.organization_id },
      client,
    );
    const fresh = await getUser(tx, user.id);
    return { ...tokens, user: fresh ?? user };
  });
  if (!result) throw invitationInvalid();
  return result;
}
