import { Router } from "express";
import { z } from "zod";
import { tenants } from "../../../shared/resources/tenants.ts";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { tenantOf } from "../../auth/access.ts";
import {
  invitePortalUser,
  resendPortalInvitation,
} from "../../commands/tenants/portal-invitation.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { TenantElevator, tenantAccess, tenantSiteElevators } from "../../db/tenants.ts";
import { UserRow } from "../../db/users.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { Email } from "../auth/schema.ts";

const PortalInviteBody = z.strictObject({
  email: Email,
  first_name: z.string().trim().max(100).optional(),
  last_name: z.string().trim().max(100).optional(),
});
const PortalInvitation = z.object({
  tenant: tenants.row,
  user: UserRow,
  invite_expires_at: z.string(),
});

/**
 * Tenant actions on /api/v1/tenants/:id (the plain routes come from the definition): the
 * portal user's invitation, and the site's lifts as a tenant may see them.
 */
export function tenantActionsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  router.post(
    "/:id/invite",
    requirePermission("tenants:write"),
    handler(
      {
        params: IdParams,
        body: PortalInviteBody,
        status: 201,
        response: PortalInvitation,
        errors: [403, 409],
      },
      ({ params, body }, req, res) =>
        invitePortalUser(runtime, req, principalOf(res), params.id, body),
    ),
  );

  router.post(
    "/:id/resend-invite",
    requirePermission("tenants:write"),
    handler(
      { params: IdParams, response: PortalInvitation, errors: [403, 409] },
      ({ params }, req, res) => resendPortalInvitation(runtime, req, principalOf(res), params.id),
    ),
  );

  router.get(
    "/:id/elevators",
    requirePermission("tenants:read"),
    handler(
      { params: IdParams, response: z.object({ data: z.array(TenantElevator) }) },
      ({ params }, _req, res) =>
        withTenant(runtime.db, tenantOf(principalOf(res)), async (tx) => {
          if (!(await tenantAccess(tx, params.id))) throw notFound("Tenant");
          return { data: await tenantSiteElevators(tx, params.id) };
        }),
    ),
  );

  return router;
}
