import { Router } from "express";
import { PERMISSIONS } from "../../../shared/permissions.ts";
import { principalCan, principalCanOnSelf, tenantOf } from "../../auth/access.ts";
import { getOrganization } from "../../db/organizations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { getUser } from "../../db/users.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { principalOf, requireAuth } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";

/** GET /api/v1/me: who the credential belongs to and what it may do. */
export function meRouter(runtime: Runtime): Router {
  const router = Router();
  router.get(
    "/",
    requireAuth(runtime),
    handler({}, async (_input, _req, res) => {
      const principal = principalOf(res);
      // An API key reads its creator's record only with the users:read scope.
      if (!principalCanOnSelf(principal, "read")) throw forbidden();
      const { user, organization } = await withTenant(
        runtime.db,
        tenantOf(principal),
        async (tx) => ({
          user: await getUser(tx, principal.userId),
          organization: principal.organizationId
            ? await getOrganization(tx, principal.organizationId)
            : null,
        }),
      );
      if (!user) throw unauthorized();
      res.json({
        user,
        organization,
        role: principal.role,
        // For an API key this is its scopes within its creator's role.
        permissions: PERMISSIONS.filter((p) => principalCan(principal, p)),
        credential: {
          kind: principal.kind,
          session_id: principal.sessionId,
          api_key_id: principal.apiKeyId,
        },
      });
    }),
  );
  return router;
}
