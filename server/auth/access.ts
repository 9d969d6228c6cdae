import { type Permission, roleCan, SESSION_ONLY_PERMISSIONS } from "../../shared/permissions.ts";
import type { TenantContext } from "../db/tenant-context.ts";
import type { Principal } from "./principal.ts";

/**
 * What a principal may do and whose data it reads, for every entry point alike (REST
 * routes, socket handlers, commands): none of them depends on the others for it.
 */

/** The RLS context (withTenant) a principal's queries run under. */
export function tenantOf(principal: Principal): TenantContext {
  return { organizationId: principal.organizationId, userId: principal.userId };
}

/** A permission holds when the role grants it and, for API keys, a scope names it too. */
export function principalCan(principal: Principal, permission: Permission): boolean {
  if (!roleCan(principal.role, permission)) return false;
  if (principal.kind === "api_key") {
    if (SESSION_ONLY_PERMISSIONS.includes(permission)) return false;
    return (principal.scopes ?? []).includes(permission);
  }
  return true;
}

/**
 * Whether the principal may read or edit its own user record. A session is its user and
 * needs no permission for that; an API key acts only within its scopes, its creator
 * included: reading them (GET /me, GET /users/<creator>) needs the users:read scope,
 * editing their profile fields needs profiles:write.
 */
export function principalCanOnSelf(principal: Principal, action: "read" | "write"): boolean {
  if (principal.kind === "user") return true;
  return principalCan(principal, action === "read" ? "users:read" : "profiles:write");
}
