import { Router } from "express";
import { tenantOf } from "../../auth/access.ts";
import { getOrganization, lockOrganization, updateOrganization } from "../../db/organizations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { getRoute, patchRoute } from "../resource-routes.ts";
import { OrganizationPatchBody } from "./schema.ts";

/**
 * /api/v1/organizations: only the caller's own organisation exists here. RLS hides every
 * other one, so their ids are 404. Creating one is POST /auth/register.
 */
export function organizationsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("org:read"));

  router.get(
    "/",
    handler({}, async (_input, _req, res) => {
      const principal = principalOf(res);
      const orgId = principal.organizationId;
      const org = orgId
        ? await withTenant(runtime.db, tenantOf(principal), (tx) => getOrganization(tx, orgId))
        : null;
      res.json({ data: org ? [org] : [], next_cursor: null });
    }),
  );

  router.get("/:id", getRoute({ runtime, permission: null }, "Organization", getOrganization));

  router.patch(
    "/:id",
    patchRoute({ runtime, permission: "org:update" }, "Organization", {
      body: OrganizationPatchBody,
      find: lockOrganization,
      update: updateOrganization,
      audit: ({ id, before, after, body }) => ({
        organizationId: id,
        eventType: "settings_changed",
        entityType: "organization",
        entityId: id,
        data: { fields: Object.keys(body) },
        previousState: before,
        newState: after,
      }),
    }),
  );

  return router;
}
