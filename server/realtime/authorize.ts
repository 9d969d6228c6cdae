import type { Permission } from "../../shared/permissions.ts";
import type { Topic } from "../../shared/realtime/topics.ts";
import { principalCan, tenantOf } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import { serviceRequestAccess, workOrderLinkedToMyServiceRequest } from "../db/service-requests.ts";
import { type Tx, withTenant } from "../db/tenant-context.ts";
import { isTenantPortalUser, tenantAccess } from "../db/tenants.ts";
import { rowVisible } from "../db/visible-rows.ts";
import type { Runtime } from "../runtime.ts";
import type { Audience } from "./audience.ts";

export type Admission =
  | { ok: true; audience: Audience }
  | { ok: false; code: "not_found" | "forbidden"; message: string };

const admit = (audience: Audience): Admission => ({ ok: true, audience });
const notFound = (topic: Topic): Admission => ({
  ok: false,
  code: "not_found",
  message: `${topic.kind} ${topic.id} not found`,
});
const forbidden = (message: string): Admission => ({ ok: false, code: "forbidden", message });

/**
 * Decides at subscribe time, against the database under the caller's RLS context, whether
 * a socket may join a topic and as which audience (docs/realtime-protocol.md, "Topics").
 * Anything the caller cannot see is not_found, exactly like a missing id; forbidden is
 * only for a visible entity the caller's role or key scopes do not allow watching.
 * The decision is kept for the socket's life: every change that could revoke it (logout,
 * revocation, deactivation, leaving the organisation, role change, token expiry) ends the
 * socket instead (session-end.ts).
 */
export async function authorizeTopic(
  runtime: Runtime,
  principal: Principal,
  topic: Topic,
): Promise<Admission> {
  if (topic.kind === "user") {
    if (topic.id !== principal.userId) return notFound(topic);
    // An integration's API key acts for its creator but does not read their inbox.
    if (principal.kind === "api_key") return forbidden("API keys cannot watch a user's inbox");
    return admit("self");
  }
  if (topic.kind === "org") {
    if (topic.id !== principal.organizationId) return notFound(topic);
    // A session's principal knows whether the user is a tenant portal user (read with its
    // credential, kept fresh by ending the socket when it changes): no transaction, which
    // a reconnect storm makes thousands of. An API key's creator is asked below.
    if (principal.tenantPortal !== null) return orgAdmission(principal, principal.tenantPortal);
  }
  return withTenant(runtime.db, tenantOf(principal), (tx) => decide(tx, principal, topic));
}

const can = (principal: Principal, permission: Permission) => principalCan(principal, permission);
const staffOnly = (principal: Principal, permission: Permission): Admission =>
  can(principal, permission) ? admit("staff") : forbidden(`Watching needs ${permission}`);

/** Tenant portal users never see the dispatch board, whatever their row says. */
function orgAdmission(principal: Principal, tenantPortal: boolean): Admission {
  if (principal.role === "guest" || principal.role === "tenant" || tenantPortal)
    return forbidden("Only the organisation's staff may watch its dispatch board");
  return staffOnly(principal, "realtime:org");
}

async function decide(tx: Tx, principal: Principal, topic: Topic): Promise<Admission> {
  switch (topic.kind) {
    case "org":
      return orgAdmission(principal, await isTenantPortalUser(tx));
    case "site":
      return (await rowVisible(tx, "sites", topic.id))
        ? staffOnly(principal, "sites:read")
        : notFound(topic);
    case "elevator":
      return (await rowVisible(tx, "elevators", topic.id))
        ? staffOnly(principal, "elevators:read")
        : notFound(topic);
    case "work_order":
      if (await rowVisible(tx, "work_orders", topic.id))
        return staffOnly(principal, "work_orders:read");
      return (await workOrderLinkedToMyServiceRequest(tx, topic.id))
        ? admit("tenant")
        : notFound(topic);
    case "forum_category":
      // The category's visibility decides (its RLS), then forum:read (an API key's scope).
      return (await rowVisible(tx, "forum_categories", topic.id))
        ? staffOnly(principal, "forum:read")
        : notFound(topic);
    case "forum_thread":
      return (await rowVisible(tx, "forum_threads", topic.id))
        ? staffOnly(principal, "forum:read")
        : notFound(topic);
    case "service_request": {
      const access = await serviceRequestAccess(tx, topic.id);
      if (!access) return notFound(topic);
      return access.staff ? staffOnly(principal, "sites:read") : admit("tenant");
    }
    case "tenant": {
      const access = await tenantAccess(tx, topic.id);
      if (!access) return notFound(topic);
      return access.staff ? staffOnly(principal, "sites:read") : admit("tenant");
    }
    default:
      return notFound(topic);
  }
}
