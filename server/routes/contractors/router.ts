import { Router } from "express";
import {
  findContractor,
  insertContractor,
  listContractors,
  softDeleteContractor,
  updateContractor,
  userInCurrentOrg,
} from "../../db/contractors.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { unprocessable } from "../../errors.ts";
import { requireAuth } from "../../http/auth.ts";
import type { Runtime } from "../../runtime.ts";
import { createRoute, deleteRoute, getRoute, listRoute, patchRoute } from "../resource-routes.ts";
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

  const read = { runtime, permission: "contractors:read" } as const;
  const write = { runtime, permission: "contractors:write" } as const;

  router.get(
    "/",
    listRoute(read, ListContractorsQuery, (tx, { limit, cursor, ...filters }) =>
      listContractors(tx, filters, { limit, cursor }),
    ),
  );

  router.get("/:id", getRoute(read, "Contractor", findContractor));

  router.post(
    "/",
    createRoute(write, {
      body: CreateContractorBody,
      create: async (tx, body, principal) => {
        await checkUser(tx, body.user_id);
        return insertContractor(tx, principal.organizationId ?? "", body);
      },
      audit: (created) => ({
        organizationId: created.organization_id,
        eventType: "user_action",
        entityType: "contractor",
        entityId: created.id,
        data: { action: "contractor_created" },
        newState: created,
      }),
    }),
  );

  router.patch(
    "/:id",
    patchRoute(write, "Contractor", {
      body: UpdateContractorBody,
      find: (tx, id) => findContractor(tx, id),
      update: async (tx, id, body) => {
        await checkUser(tx, body.user_id);
        return updateContractor(tx, id, body);
      },
      audit: ({ before, after, body }) => ({
        organizationId: after.organization_id,
        eventType: "user_action",
        entityType: "contractor",
        entityId: after.id,
        data: { action: "contractor_updated", fields: Object.keys(body) },
        previousState: before,
        newState: after,
      }),
    }),
  );

  router.delete(
    "/:id",
    deleteRoute(write, "Contractor", {
      remove: softDeleteContractor,
      audit: (deleted, principal) => ({
        organizationId: principal.organizationId,
        eventType: "user_action",
        entityType: "contractor",
        entityId: deleted.id,
        data: { action: "contractor_deleted" },
      }),
    }),
  );

  return router;
}
