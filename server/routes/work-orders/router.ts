import type { Request, Response } from "express";
import { Router } from "express";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { assignWorkOrder } from "../../commands/work-orders/assign.ts";
import type { CommandContext } from "../../commands/work-orders/context.ts";
import { createWorkOrder } from "../../commands/work-orders/create.ts";
import { transitionWorkOrder } from "../../commands/work-orders/transition.ts";
import { updateWorkOrderFields } from "../../commands/work-orders/update.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { findWorkOrder, listWorkOrders } from "../../db/work-orders.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { getRoute, listRoute } from "../resource-routes.ts";
import {
  AssignBody,
  CreateWorkOrderBody,
  ListWorkOrdersQuery,
  TransitionBody,
  UpdateWorkOrderBody,
} from "./schema.ts";

function contextOf(req: Request, res: Response): CommandContext {
  const principal = principalOf(res);
  return { principal, audit: auditContextOf(req, principal) };
}

/**
 * /api/v1/work-orders. No DELETE: a work order is history and ends by being cancelled.
 * Every mutation and its audit event share one transaction (see server/commands/work-orders).
 */
export function workOrdersRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  const read = { runtime, permission: "work_orders:read" } as const;
  router.get(
    "/",
    listRoute(read, ListWorkOrdersQuery, (tx, { limit, cursor, ...filters }) =>
      listWorkOrders(tx, filters, { limit, cursor }),
    ),
  );
  router.get("/:id", getRoute(read, "Work order", findWorkOrder));

  router.post(
    "/",
    requirePermission("work_orders:write"),
    handler({ body: CreateWorkOrderBody }, async ({ body }, req, res) => {
      const ctx = contextOf(req, res);
      const created = await withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
        createWorkOrder(tx, ctx, body),
      );
      res.status(201).json(created);
    }),
  );

  router.patch(
    "/:id",
    requirePermission("work_orders:write"),
    handler({ params: IdParams, body: UpdateWorkOrderBody }, async ({ params, body }, req, res) => {
      const ctx = contextOf(req, res);
      const updated = await withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
        updateWorkOrderFields(tx, ctx, params.id, body),
      );
      res.json(updated);
    }),
  );

  router.post(
    "/:id/transition",
    requirePermission("work_orders:transition"),
    handler({ params: IdParams, body: TransitionBody }, async ({ params, body }, req, res) => {
      const ctx = contextOf(req, res);
      const updated = await withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
        transitionWorkOrder(tx, ctx, params.id, body),
      );
      res.json(updated);
    }),
  );

  router.post(
    "/:id/assign",
    requirePermission("work_orders:assign"),
    handler({ params: IdParams, body: AssignBody }, async ({ params, body }, req, res) => {
      const ctx = contextOf(req, res);
      const updated = await withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
        assignWorkOrder(tx, ctx, params.id, body.contractor_id),
      );
      res.json(updated);
    }),
  );

  return router;
}
