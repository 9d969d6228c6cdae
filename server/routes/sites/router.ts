import { Router } from "express";
import { findSite, insertSite, listSites, softDeleteSite, updateSite } from "../../db/sites.ts";
import { requireAuth } from "../../http/auth.ts";
import type { Runtime } from "../../runtime.ts";
import { createRoute, deleteRoute, getRoute, listRoute, patchRoute } from "../resource-routes.ts";
import { CreateSiteBody, ListSitesQuery, UpdateSiteBody } from "./schema.ts";

/**
 * /api/v1/sites. The audit_event_type enum has no site_* labels, so site changes are
 * recorded as `user_action` with `event_data.action` naming what happened.
 */
export function sitesRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  const read = { runtime, permission: "sites:read" } as const;
  const write = { runtime, permission: "sites:write" } as const;

  router.get(
    "/",
    listRoute(read, ListSitesQuery, (tx, { limit, cursor, ...filters }) =>
      listSites(tx, filters, { limit, cursor }),
    ),
  );

  router.get("/:id", getRoute(read, "Site", findSite));

  router.post(
    "/",
    createRoute(write, {
      body: CreateSiteBody,
      create: (tx, body, principal) => insertSite(tx, principal.organizationId ?? "", body),
      audit: (created) => ({
        organizationId: created.organization_id,
        eventType: "user_action",
        entityType: "site",
        entityId: created.id,
        data: { action: "site_created" },
        newState: created,
      }),
    }),
  );

  router.patch(
    "/:id",
    patchRoute(write, "Site", {
      body: UpdateSiteBody,
      find: findSite,
      update: updateSite,
      audit: ({ before, after, body }) => ({
        organizationId: after.organization_id,
        eventType: "user_action",
        entityType: "site",
        entityId: after.id,
        data: { action: "site_updated", fields: Object.keys(body) },
        previousState: before,
        newState: after,
      }),
    }),
  );

  router.delete(
    "/:id",
    deleteRoute(write, "Site", {
      remove: softDeleteSite,
      audit: (deleted, principal) => ({
        organizationId: principal.organizationId,
        eventType: "user_action",
        entityType: "site",
        entityId: deleted.id,
        data: { action: "site_deleted", elevators_deleted: deleted.elevators_deleted },
      }),
    }),
  );

  return router;
}
