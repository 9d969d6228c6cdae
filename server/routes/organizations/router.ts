import { Router } from "express";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { pageOf } from "../../../shared/schemas/list.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  getOrganization,
  lockOrganization,
  OrganizationRow,
  updateOrganization,
} from "../../db/organizations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
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
    handler({ response: pageOf(OrganizationRow) }, async (_input, _req, res) => {
      const principal = principalOf(res);
      const orgId = principal.organizationId;
      const org = orgId
        ? await withTenant(runtime.db, tenantOf(principal), (tx) => getOrganization(tx, orgId))
        : null;
      return { data: org ? [org] : [], next_cursor: null };
    }),
  );

  router.get(
    "/:id",
    handler({ params: IdParams, response: OrganizationRow }, async ({ params }, _req, res) => {
      const row = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
        getOrganization(tx, params.id),
      );
      if (!row) throw notFound("Organization");
      return row;
    }),
  );

  router.patch(
    "/:id",
    requirePermission("org:update"),
    handler(
      { params: IdParams, body: OrganizationPatchBody, response: OrganizationRow, errors: [409] },
      async ({ params, body }, req, res) => {
        const principal = principalOf(res);
        return withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const before = await lockOrganization(tx, params.id);
          if (!before) throw notFound("Organization");
          const after = await updateOrganization(tx, params.id, body);
          if (!after) throw notFound("Organization");
          await recordAudit(tx, auditContextOf(req, principal), {
            organizationId: params.id,
            eventType: "settings_changed",
            entityType: "organization",
            entityId: params.id,
            data: { fields: Object.keys(body) },
            previousState: before,
            newState: after,
          });
          return after;
        });
      },
    ),
  );

  return router;
}
