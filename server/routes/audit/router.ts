import { Router } from "express";
import { tenantOf } from "../../auth/access.ts";
import { ChainVerificationSchema, verifyChain } from "../../db/audit-events.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { forbidden } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";

/** GET /audit/verify: an admin checks their own organisation's chain (under RLS). */
export function auditRouter(runtime: Runtime): Router {
  const router = Router();
  router.get(
    "/audit/verify",
    requireAuth(runtime),
    requirePermission("audit:read"),
    handler({ response: ChainVerificationSchema, errors: [403] }, async (_input, _req, res) => {
      const principal = principalOf(res);
      if (!principal.organizationId || !["owner", "admin"].includes(principal.role))
        throw forbidden();
      const orgId = principal.organizationId;
      const result = await withTenant(runtime.db, tenantOf(principal), (tx) =>
        verifyChain(tx, orgId),
      );
      res.json(result);
    }),
  );
  return router;
}
