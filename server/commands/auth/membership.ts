import type { Request } from "express";
import type { Role } from "../../../shared/permissions.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { principalCan, principalCanOnSelf, tenantOf } from "../../auth/access.ts";
import type { Principal } from "../../auth/principal.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import { revokeUserSessions } from "../../db/user-sessions.ts";
import {
  lockActiveOwners,
  lockOrgUser,
  setUserActive,
  setUserRole,
  softDeleteUser,
  type UserRow,
  updateUserProfile,
} from "../../db/users.ts";
import { conflict, forbidden, notFound, unprocessable } from "../../errors.ts";
import type { Runtime } from "../../runtime.ts";

/**
 * Membership changes: role, activation, removal, profile edits. Owner-level changes
 * (granting owner, touching an owner) need an owner; the last active owner can never be
 * demoted, deactivated or removed, so an organisation is never left without one.
 * Deactivation and removal revoke the user's sessions in the same transaction, so their
 * tokens stop working at once and the hub drops their sockets.
 */

export function requireOrg(principal: Principal): string {
  if (!principal.organizationId) throw unprocessable("You do not belong to an organisation");
  return principal.organizationId;
}

export function assertMayGrant(principal: Principal, role: Role): void {
  if (role === "owner" && principal.role !== "owner") {
    throw forbidden("Only an owner can make someone an owner");
  }
}

function assertMayTouch(principal: Principal, target: UserRow): void {
  if (target.role === "owner" && principal.role !== "owner") {
    throw forbidden("Only an owner can change another owner");
  }
}

/** Fails with 409 when `target` is the organisation's only active owner. */
async function assertNotLastOwner(tx: Tx, organizationId: string, target: UserRow): Promise<void> {
  if (target.role !== "owner" || !target.is_active) return;
  const owners = await lockActiveOwners(tx, organizationId);
  if (owners.length <= 1 && owners.includes(target.id)) {
    throw conflict("The organisation's last owner cannot be demoted, deactivated or removed");
  }
}

async function lockTarget(tx: Tx, organizationId: string, userId: string): Promise<UserRow> {
  const target = await lockOrgUser(tx, organizationId, userId);
  if (!target) throw notFound("User");
  return target;
}

export type UserPatch = Record<string, unknown> & { role?: Role };

/** PATCH /users/:id: anyone edits their own profile; users:manage for others and for roles. */
export async function updateUser(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  userId: string,
  patch: UserPatch,
): Promise<UserRow> {
  const organizationId = requireOrg(principal);
  // An API key edits its creator only with the profiles:write scope.
  const self = userId === principal.userId && principalCanOnSelf(principal, "write");
  const manages = principalCan(principal, "users:manage");
  return withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const before = await lockTarget(tx, organizationId, userId);
    if (!self && !manages) throw forbidden();
    const { role, ...profile } = patch;
    let after = before;
    if (role !== undefined && role !== before.role) {
      if (!manages) throw forbidden("Changing a role needs users:manage");
      assertMayGrant(principal, role);
      assertMayTouch(principal, before);
      await assertNotLastOwner(tx, organizationId, before);
      after = await setUserRole(tx, userId, role);
      await recordAudit(tx, auditContextOf(req, principal), {
        organizationId,
        eventType: "permission_changed",
        entityType: "user",
        entityId: userId,
        data: { from: before.role, to: role },
        previousState: { role: before.role },
        newState: { role },
      });
    }
    if (Object.values(profile).some((v) => v !== undefined)) {
      const updated = await updateUserProfile(tx, userId, profile);
      if (!updated) throw notFound("User");
      await recordAudit(tx, auditContextOf(req, principal), {
        organizationId,
        eventType: "user_updated",
        entityType: "user",
        entityId: userId,
        data: { fields: Object.keys(profile).filter((k) => profile[k] !== undefined) },
        previousState: after,
        newState: updated,
      });
      after = updated;
    }
    return after;
  });
}

export async function setActive(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  userId: string,
  active: boolean,
): Promise<UserRow> {
  const organizationId = requireOrg(principal);
  return withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const before = await lockTarget(tx, organizationId, userId);
    assertMayTouch(principal, before);
    if (!active) await assertNotLastOwner(tx, organizationId, before);
    // Sessions first: app_is_org_admin() reads the actor's own row, which must still be
    // active if an admin deactivates themselves.
    const revoked = active ? 0 : await revokeUserSessions(tx, userId);
    const after = await setUserActive(tx, userId, active);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_updated",
      entityType: "user",
      entityId: userId,
      data: { action: active ? "reactivated" : "deactivated", sessions_revoked: revoked },
      previousState: { is_active: before.is_active },
      newState: { is_active: after.is_active },
    });
    return after;
  });
}

/** Soft delete: deleted_at set, is_active false, sessions revoked. */
export async function removeUser(
  runtime: Runtime,
  req: Request,
  principal: Principal,
  userId: string,
): Promise<void> {
  const organizationId = requireOrg(principal);
  await withTenant(runtime.db, tenantOf(principal), async (tx) => {
    const before = await lockTarget(tx, organizationId, userId);
    assertMayTouch(principal, before);
    await assertNotLastOwner(tx, organizationId, before);
    const revoked = await revokeUserSessions(tx, userId);
    const after = await softDeleteUser(tx, userId);
    await recordAudit(tx, auditContextOf(req, principal), {
      organizationId,
      eventType: "user_updated",
      entityType: "user",
      entityId: userId,
      data: { action: "deleted", sessions_revoked: revoked },
      previousState: before,
      newState: after,
    });
  });
}
