import { Router } from "express";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { findSite, insertSite, listSites, softDeleteSite, updateSite } from "../../db/sites.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission, tenantOf } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { CreateSiteBody, ListSitesQuery, UpdateSiteBody } from "./schema.ts";

/**
 * /api/v1/sites. The audit_event_type enum has no site_* labels, so site changes are
 * recorded as `user_action` with `event_data.action` naming what happened.
 */
export function sitesRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  router.get(
    "/",
    requirePermission("sites:read"),
    handler({ query: ListSitesQuery }, async ({ query }, _req, res) => {
      const { limit, cursor, ...filters } = query;
      const tenant = tenantOf(principalOf(res));
      res.json(
        await withTenant(runtime.db, tenant, (tx) => listSites(tx, filters, { limit, cursor })),
      );
    }),
  );

  router.get(
    "/:id",
    requirePermission("sites:read"),
    handler({ params: IdParams }, async ({ params }, _req, res) => {
      const site = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
        findSite(tx, params.id),
      );
      if (!site) throw notFound("Site");
      res.json(site);
    }),
  );

  router.post(
    "/",
    requirePermission("sites:write"),
    handler({ body: CreateSiteBody }, async ({ body }, req, res) => {
      const principal = principalOf(res);
      const site = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const created = await insertSite(tx, principal.organizationId ?? "", body);
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: created.organization_id,
          eventType: "user_action",
          entityType: "site",
          entityId: created.id,
          data: { action: "site_created" },
          newState: created,
        });
        return created;
      });
      res.status(201).json(site);
    }),
  );

  router.patch(
    "/:id",
    requirePermission("sites:write"),
    handler({ params: IdParams, body: UpdateSiteBody }, async ({ params, body }, req, res) => {
      const principal = principalOf(res);
      const site = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const before = await findSite(tx, params.id);
        if (!before) throw notFound("Site");
        const after = await updateSite(tx, params.id, body);
        if (!after) throw notFound("Site");
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: after.organization_id,
          eventType: "user_action",
          entityType: "site",
          entityId: after.id,
          data: { action: "site_updated", fields: Object.keys(body) },
          previousState: before,
          newState: after,
        });
        return after;
      });
      res.json(site);
    }),
  );

  router.delete(
    "/:id",
    requirePermission("sites:write"),
    handler({ params: IdParams }, async ({ params }, req, res) => {
      const principal = principalOf(res);
      await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const deleted = await softDeleteSite(tx, params.id);
        if (!deleted) throw notFound("Site");
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: principal.organizationId,
          eventType: "user_action",
          entityType: "site",
          entityId: deleted.id,
          data: { action: "site_deleted", elevators_deleted: deleted.elevators_deleted },
        });
      });
      res.status(204).end();
    }),
  );

  return router;
}
