import { Router } from "express";
import { z } from "zod";
import { EMPLOYER_APPLICATION_STATUSES } from "../../../shared/job-applications.ts";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf } from "../../audit/record.ts";
import { tenantOf } from "../../auth/access.ts";
import { changeApplicationStatus } from "../../commands/jobs/application-status.ts";
import { JobApplicationRow } from "../../db/job-applications.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";

export const ApplicationStatusBody = z.strictObject({
  status: z.enum(EMPLOYER_APPLICATION_STATUSES),
  /** A note for the applicant, shown in their notification (and its e-mail). */
  message: z.string().trim().min(1).max(2_000).optional(),
});

/**
 * POST /api/v1/job-applications/:id/status: the employer's one domain action on
 * applications so far (the job marketplace's other routes are not built yet). Staff of
 * the listing's organisation with jobs:manage; the applicant is notified.
 */
export function jobApplicationsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));
  router.post(
    "/:id/status",
    requirePermission("jobs:manage"),
    handler(
      { params: IdParams, body: ApplicationStatusBody, response: JobApplicationRow, errors: [409] },
      ({ params, body }, req, res) => {
        const principal = principalOf(res);
        const ctx = { principal, audit: auditContextOf(req, principal) };
        return withTenant(runtime.db, tenantOf(principal), (tx) =>
          changeApplicationStatus(tx, ctx, params.id, body),
        );
      },
    ),
  );
  return router;
}
