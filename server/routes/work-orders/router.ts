import type { Request, Response } from "express";
import { Router } from "express";
import { workOrders } from "../../../shared/resources/work-orders.ts";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { assignWorkOrder } from "../../commands/work-orders/assign.ts";
import type { CommandContext } from "../../commands/work-orders/context.ts";
import { requestDiagnosis } from "../../commands/work-orders/diagnose.ts";
import { transitionWorkOrder } from "../../commands/work-orders/transition.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { AssignBody, DiagnosisQueued, TransitionBody } from "./schema.ts";

function contextOf(req: Request, res: Response): CommandContext {
  const principal = principalOf(res);
  return { principal, audit: auditContextOf(req, principal) };
}

/**
 * The domain actions on /api/v1/work-orders/:id (the plain routes come from the
 * definition). Each action and its audit event share one transaction.
 */
export function workOrderActionsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  router.post(
    "/:id/transition",
    requirePermission("work_orders:transition"),
    handler(
      { params: IdParams, body: TransitionBody, response: workOrders.row, errors: [409] },
      ({ params, body }, req, res) => {
        const ctx = contextOf(req, res);
        return withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
          transitionWorkOrder(tx, ctx, params.id, body),
        );
      },
    ),
  );

  router.post(
    "/:id/assign",
    requirePermission("work_orders:assign"),
    handler(
      { params: IdParams, body: AssignBody, response: workOrders.row, errors: [409, 422] },
      ({ params, body }, req, res) => {
        const ctx = contextOf(req, res);
        return withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
          assignWorkOrder(tx, ctx, params.id, body.contractor_id),
        );
      },
    ),
  );

  router.post(
    "/:id/diagnose",
    requirePermission("work_orders:diagnose"),
    handler(
      { params: IdParams, status: 202, response: DiagnosisQueued },
      ({ params }, req, res) => {
        const ctx = contextOf(req, res);
        return withTenant(runtime.db, tenantOf(ctx.principal), (tx) =>
          requestDiagnosis(tx, ctx, params.id),
        );
      },
    ),
  );

  return router;
}
