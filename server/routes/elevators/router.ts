import { Router } from "express";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  findElevator,
  insertElevator,
  listElevators,
  softDeleteElevator,
  updateElevator,
} from "../../db/elevators.ts";
import { findSite } from "../../db/sites.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound, unprocessable } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { createRoute, deleteRoute, getRoute, listRoute } from "../resource-routes.ts";
import { CreateElevatorBody, ListElevatorsQuery, UpdateElevatorBody } from "./schema.ts";

/** /api/v1/elevators. A duplicate unit_number at a site is a unique violation → 409. */
export function elevatorsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  const read = { runtime, permission: "elevators:read" } as const;
  const write = { runtime, permission: "elevators:write" } as const;

  router.get(
    "/",
    listRoute(read, ListElevatorsQuery, (tx, { limit, cursor, ...filters }) =>
      listElevators(tx, filters, { limit, cursor }),
    ),
  );

  router.get("/:id", getRoute(read, "Elevator", findElevator));

  router.post(
    "/",
    createRoute(write, {
      body: CreateElevatorBody,
      create: async (tx, body, principal) => {
        // Foreign keys ignore RLS, so "the site exists" is not enough: it must be ours.
        if (!(await findSite(tx, body.site_id))) {
          throw unprocessable("site_id does not refer to a site of this organisation");
        }
        return insertElevator(tx, principal.organizationId ?? "", body);
      },
      audit: (created) => ({
        organizationId: created.organization_id,
        eventType: "elevator_created",
        entityType: "elevator",
        entityId: created.id,
        newState: created,
      }),
    }),
  );

  // Written out: a status change is its own audit event and stamps status_changed_at.
  router.patch(
    "/:id",
    requirePermission("elevators:write"),
    handler({ params: IdParams, body: UpdateElevatorBody }, async ({ params, body }, req, res) => {
      const principal = principalOf(res);
      const elevator = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const before = await findElevator(tx, params.id, { forUpdate: true });
        if (!before) throw notFound("Elevator");
        const statusChanged = body.status !== undefined && body.status !== before.status;
        // A new status without a reason clears the old reason rather than keeping a stale one.
        const values =
          statusChanged && body.status_reason === undefined
            ? { ...body, status_reason: null }
            : body;
        const after = await updateElevator(tx, params.id, values, { statusChanged });
        if (!after) throw notFound("Elevator");
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: after.organization_id,
          eventType: statusChanged ? "elevator_status_changed" : "elevator_updated",
          entityType: "elevator",
          entityId: after.id,
          data: statusChanged
            ? { from: before.status, to: after.status, reason: after.status_reason }
            : { fields: Object.keys(body) },
          previousState: before,
          newState: after,
        });
        return after;
      });
      res.json(elevator);
    }),
  );

  router.delete(
    "/:id",
    deleteRoute(write, "Elevator", {
      remove: softDeleteElevator,
      audit: (deleted, principal) => ({
        organizationId: principal.organizationId,
        eventType: "elevator_updated",
        entityType: "elevator",
        entityId: deleted.id,
        data: { action: "elevator_deleted" },
      }),
    }),
  );

  return router;
}
