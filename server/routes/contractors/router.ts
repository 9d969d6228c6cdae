import { Router } from "express";
import { IdParams } from "../../../shared/schemas/fields.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import {
  findContractor,
  insertContractor,
  listContractors,
  softDeleteContractor,
  updateContractor,
  userInCurrentOrg,
} from "../../db/contractors.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import { notFound, unprocessable } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission, tenantOf } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { CreateContractorBody, ListContractorsQuery, UpdateContractorBody } from "./schema.ts";

/** A contractor may link to a platform user, but only to one of our own organisation. */
async function checkUser(tx: Tx, userId: string | null | undefined): Promise<void> {
  if (!userId) return;
  if (!(await userInCurrentOrg(tx, userId))) {
    throw unprocessable("user_id does not refer to a user of this organisation");
  }
}

/**
 * /api/v1/contractors. The audit_event_type enum has no contractor_* labels, so changes
 * are recorded as `user_action` with `event_data.action` naming what happened.
 */
export function contractorsRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  router.get(
    "/",
    requirePermission("contractors:read"),
    handler({ query: ListContractorsQuery }, async ({ query }, _req, res) => {
      const { limit, cursor, ...filters } = query;
      const tenant = tenantOf(principalOf(res));
      res.json(
        await withTenant(runtime.db, tenant, (tx) =>
          listContractors(tx, filters, { limit, cursor }),
        ),
      );
    }),
  );

  router.get(
    "/:id",
    requirePermission("contractors:read"),
    handler({ params: IdParams }, async ({ params }, _req, res) => {
      const contractor = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
        findContractor(tx, params.id),
      );
      if (!contractor) throw notFound("Contractor");
      res.json(contractor);
    }),
  );

  router.post(
    "/",
    requirePermission("contractors:write"),
    handler({ body: CreateContractorBody }, async ({ body }, req, res) => {
      const principal = principalOf(res);
      const contractor = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        await checkUser(tx, body.user_id);
        const created = await insertContractor(tx, principal.organizationId ?? "", body);
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: created.organization_id,
          eventType: "user_action",
          entityType: "contractor",
          entityId: created.id,
          data: { action: "contractor_created" },
          newState: created,
        });
        return created;
      });
      res.status(201).json(contractor);
    }),
  );

  router.patch(
    "/:id",
    requirePermission("contractors:write"),
    handler(
      { params: IdParams, body: UpdateContractorBody },
      async ({ params, body }, req, res) => {
        const principal = principalOf(res);
        const contractor = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const before = await findContractor(tx, params.id);
          if (!before) throw notFound("Contractor");
          await checkUser(tx, body.user_id);
          const after = await updateContractor(tx, params.id, body);
          if (!after) throw notFound("Contractor");
          await recordAudit(tx, auditContextOf(req, principal), {
            organizationId: after.organization_id,
            eventType: "user_action",
            entityType: "contractor",
            entityId: after.id,
            data: { action: "contractor_updated", fields: Object.keys(body) },
            previousState: before,
            newState: after,
          });
          return after;
        });
        res.json(contractor);
      },
    ),
  );

  router.delete(
    "/:id",
    requirePermission("contractors:write"),
    handler({ params: IdParams }, async ({ params }, req, res) => {
      const principal = principalOf(res);
      await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const deleted = await softDeleteContractor(tx, params.id);
        if (!deleted) throw notFound("Contractor");
        await recordAudit(tx, auditContextOf(req, principal), {
          organizationId: principal.organizationId,
          eventType: "user_action",
          entityType: "contractor",
          entityId: deleted.id,
          data: { action: "contractor_deleted" },
        });
      });
      res.status(204).end();
    }),
  );

  return router;
}
