import { randomUUID } from "node:crypto";
import type { Request } from "express";
import { type TenantRow, tenants } from "../../../shared/resources/tenants.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import type { Principal } from "../../auth/principal.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { tenantAccess } from "../../db/tenants.ts";
import {
  expireOpenInvitations,
  getUser,
  hasPassword,
  insertTenantPortalUser,
  type UserRow,
} from "../../db/users.ts";
import { conflict, forbidden, notFound } from "../../errors.ts";
import type { Mail } from "../../mail/mailer.ts";
import { templates } from "../../mail/templates.ts";
import type { Runtime } from "../../runtime.ts";
import { inviteThenMail, issueInvitation } from "../auth/invite.ts";
import { requireOrg } from "../auth/membership.ts";

export type PortalInviteInput = { email: string; first_name?: string; last_name?: string };
export type PortalInvitation = { tenant: TenantRow; user: UserRow; invite_expires_at: string };

const rows = rowsOf(tenants);

/** The tenant, locked, when the caller is staff of its site (404 otherwise, 403 to its portal user). */
async function lockTenantForStaff(tx: Tx, id: string): Promise<TenantRow> {
  const access = await tenantAccess(tx, id);
  if (!access) throw notFound("Tenant");
  if (!access.staff) throw forbidden("Only the site's organisation manages its tenants");
  const tenant = await rows.find(tx, id, "update");
  if (!tenant) throw notFound("Tenant");
  return tenant;
}

/**
 * Invites a tenant contact as the tenant's portal user (docs/tenant-portal.md): a new user
 * with the `tenant` role and no organisation, linked to the tenant with the portal enabled,
 * and the invitation flow of members (a one-time link e-mailed after the commit; accepting
 * it sets the password and signs them in). A tenant has one portal user: inviting another
 * replaces the previous one, whose open invitations end and whose sockets the hub ends
 * (migration 0052). An address that already has an account is a 409.
 */
export async function invitePortalUser(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  tenantId: string,
  input: PortalInviteInput,
): Promise<PortalInvitation> {
  const organizationId = requireOrg(principal);
  return inviteThenMail(runtime, principal, async (tx) => {
    const before = await lockTenantForStaff(tx, tenantId);
    if (!before.is_active) throw conflict("An inactive tenant has no portal");
    const userId = randomUUID();
    await insertTenantPortalUser(tx, {
      id: userId,
      email: input.email.trim(),
      first_name: input.first_name ?? null,
      last_name: input.last_name ?? null,
    });
    const tenant = await rows.update(tx, tenantId, {
      portal_user_id: userId,
      portal_enabled: true,
    });
    if (!tenant) throw notFound("Tenant");
    if (before.portal_user_id) await expireOpenInvitations(tx, before.portal_user_id);
    const user = await getUser(tx, userId);
    if (!user) throw new Error("the invited portal user is not visible to the inviter");
    const sent = await send(runtime, tx, principal, organizationId, tenant, user);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_created",
      entityType: "user",
      entityId: user.id,
      data: {
        via: "tenant_portal_invite",
        role: "tenant",
        tenant_id: tenant.id,
        replaced_portal_user_id: before.portal_user_id,
        invitation_id: sent.invitationId,
      },
      newState: user,
    });
    return { mail: sent.mail, result: { tenant, user, invite_expires_at: sent.expiresAt } };
  });
}

/**
 * A new link for the tenant's portal user who has not accepted yet (the mail was lost, the
 * link expired); earlier links stop working. 409 once they have chosen a password.
 */
export async function resendPortalInvitation(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  tenantId: string,
): Promise<PortalInvitation> {
  const organizationId = requireOrg(principal);
  return inviteThenMail(runtime, principal, async (tx) => {
    const tenant = await lockTenantForStaff(tx, tenantId);
    const user = tenant.portal_user_id ? await getUser(tx, tenant.portal_user_id) : null;
    if (!user) throw conflict("The tenant has no portal user: invite one");
    if (!user.is_active || (await hasPassword(tx, user.id))) {
      throw conflict("The portal user has already accepted the invitation or is inactive");
    }
    await expireOpenInvitations(tx, user.id);
    const sent = await send(runtime, tx, principal, organizationId, tenant, user);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_action",
      entityType: "user",
      entityId: user.id,
      data: { action: "invitation_resent", tenant_id: tenant.id, invitation_id: sent.invitationId },
    });
    return { mail: sent.mail, result: { tenant, user, invite_expires_at: sent.expiresAt } };
  });
}

function send(
  runtime: Runtime,
  tx: Tx,
  principal: Principal,
  organizationId: string,
  tenant: TenantRow,
  user: UserRow,
): Promise<{ invitationId: string; expiresAt: string; mail: Mail }> {
  return issueInvitation(runtime, tx, principal, organizationId, user, (to, parts) =>
    templates.tenantInvitation(to, { ...parts, tenant: tenant.name }),
  );
}
