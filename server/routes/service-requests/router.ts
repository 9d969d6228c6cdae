import { type Request, type Response, Router } from "express";
import { z } from "zod";
import { serviceRequests } from "../../../shared/resources/service-requests.ts";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { SERVICE_REQUEST_PRIORITIES } from "../../../shared/service-request-states.ts";
import { auditContextOf } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  acknowledge,
  close,
  giveFeedback,
  resolve,
  setPriority,
} from "../../commands/service-requests/actions.ts";
import {
  ConvertBody,
  Converted,
  convertToWorkOrder,
} from "../../commands/service-requests/convert.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { ResourceContext } from "../../resources/rules.ts";
import type { Runtime } from "../../runtime.ts";

const Priority = z.enum(SERVICE_REQUEST_PRIORITIES);
const Notes = z.string().trim().min(1).max(20_000);

export const AcknowledgeBody = z.strictObject({ priority: Priority.optional() });
export const PriorityBody = z.strictObject({ priority: Priority });
export const ResolveBody = z.strictObject({ resolution_notes: Notes });
export const CloseBody = z.strictObject({ resolution_notes: Notes.nullable().optional() });
export const FeedbackBody = z.strictObject({
  satisfaction_rating: z.number().int().min(1).max(5),
  feedback_text: z.string().trim().max(5_000).nullable().optional(),
});

/**
 * The actions on /api/v1/service-requests/:id (docs/tenant-portal.md); list, get and create
 * come from the definition. Staff's need service_requests:manage, the tenant's rating
 * service_requests:write. Each runs with its audit event in one RLS transaction.
 */
export function serviceRequestActionsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  const run = <T>(req: Request, res: Response, work: (ctx: ResourceContext) => Promise<T>) => {
    const principal = principalOf(res);
    return withTenant(runtime.db, tenantOf(principal), (tx) =>
      work({ tx, principal, audit: auditContextOf(req, principal) }),
    );
  };
  const row = serviceRequests.row;

  router.post(
    "/:id/acknowledge",
    requirePermission("service_requests:manage"),
    handler(
      { params: IdParams, body: AcknowledgeBody, response: row, errors: [403, 409] },
      ({ params, body }, req, res) => run(req, res, (ctx) => acknowledge(ctx, params.id, body)),
    ),
  );
  router.post(
    "/:id/priority",
    requirePermission("service_requests:manage"),
    handler(
      { params: IdParams, body: PriorityBody, response: row, errors: [403, 409] },
      ({ params, body }, req, res) => run(req, res, (ctx) => setPriority(ctx, params.id, body)),
    ),
  );
  router.post(
    "/:id/convert",
    requirePermission("service_requests:manage"),
    handler(
      {
        params: IdParams,
        body: ConvertBody,
        status: 201,
        response: Converted,
        errors: [403, 409, 422],
      },
      ({ params, body }, req, res) =>
        run(req, res, (ctx) => convertToWorkOrder(ctx, params.id, body)),
    ),
  );
  router.post(
    "/:id/resolve",
    requirePermission("service_requests:manage"),
    handler(
      { params: IdParams, body: ResolveBody, response: row, errors: [403, 409] },
      ({ params, body }, req, res) => run(req, res, (ctx) => resolve(ctx, params.id, body)),
    ),
  );
  router.post(
    "/:id/close",
    requirePermission("service_requests:manage"),
    handler(
      { params: IdParams, body: CloseBody, response: row, errors: [403, 409] },
      ({ params, body }, req, res) => run(req, res, (ctx) => close(ctx, params.id, body)),
    ),
  );
  router.post(
    "/:id/feedback",
    requirePermission("service_requests:write"),
    handler(
      { params: IdParams, body: FeedbackBody, response: row, errors: [403, 409] },
      ({ params, body }, req, res) => run(req, res, (ctx) => giveFeedback(ctx, params.id, body)),
    ),
  );

  return router;
}
