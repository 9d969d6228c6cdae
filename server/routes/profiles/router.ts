import type { Request } from "express";
import { Router } from "express";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import type { Principal } from "../../auth/principal.ts";
import {
  getManagerProfile,
  insertManagerProfile,
  listManagerProfiles,
  updateManagerProfile,
} from "../../db/manager-profiles.ts";
import {
  getTechnicianProfile,
  insertTechnicianProfile,
  listTechnicianProfiles,
  updateTechnicianProfile,
} from "../../db/technician-profiles.ts";
import { type Tx, withTenant } from "../../db/tenant-context.ts";
import { notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission, tenantOf } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import { pageOf, parseCursor } from "../../http/pagination.ts";
import type { Runtime } from "../../runtime.ts";
import { IdParams } from "../users/schema.ts";
import {
  ManagerProfileCreateBody,
  ManagerProfileListQuery,
  ManagerProfilePatchBody,
  TechnicianProfileBody,
  TechnicianProfileListQuery,
} from "./schema.ts";

type Kind = "technician_profile" | "manager_profile";

async function audit(
  tx: Tx,
  req: Request,
  principal: Principal,
  kind: Kind,
  id: string,
  action: "created" | "updated",
  before: unknown,
  after: unknown,
) {
  await recordAudit(tx, auditContextOf(req, principal), {
    organizationId: principal.organizationId,
    eventType: action === "created" ? "user_action" : "user_updated",
    entityType: kind,
    entityId: id,
    data: { action: `${kind}_${action}` },
    previousState: before,
    newState: after,
  });
}

/**
 * /api/v1/technician-profiles and /api/v1/manager-profiles. Visibility is RLS's
 * (technician profiles follow their profile_visibility; manager profiles are own +
 * colleagues). Only the profile's user writes it: one per user (a second POST is 409),
 * and PATCHing someone else's profile matches no row under RLS, so it is 404.
 */
export function profilesRouter(runtime: Runtime): Router {
  const router = Router();
  // Mounted at /api/v1 itself, so authentication is per route, not router.use(): other
  // routers' paths must not pass through it.
  const auth = requireAuth(runtime);

  router.get(
    "/technician-profiles",
    auth,
    requirePermission("profiles:read"),
    handler({ query: TechnicianProfileListQuery }, async ({ query }, _req, res) => {
      const principal = principalOf(res);
      const after = parseCursor(query.cursor);
      const rows = await withTenant(runtime.db, tenantOf(principal), (tx) =>
        listTechnicianProfiles(tx, query, { after, limit: query.limit }),
      );
      res.json(pageOf(rows, query.limit));
    }),
  );

  router.get(
    "/technician-profiles/:id",
    auth,
    requirePermission("profiles:read"),
    handler({ params: IdParams }, async ({ params }, _req, res) => {
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), (tx) =>
        getTechnicianProfile(tx, params.id),
      );
      if (!row) throw notFound("Technician profile");
      res.json(row);
    }),
  );

  router.post(
    "/technician-profiles",
    auth,
    requirePermission("profiles:write"),
    handler({ body: TechnicianProfileBody }, async ({ body }, req, res) => {
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const created = await insertTechnicianProfile(tx, principal.userId, body);
        await audit(tx, req, principal, "technician_profile", created.id, "created", null, created);
        return created;
      });
      res.status(201).json(row);
    }),
  );

  router.patch(
    "/technician-profiles/:id",
    auth,
    requirePermission("profiles:write"),
    handler(
      { params: IdParams, body: TechnicianProfileBody },
      async ({ params, body }, req, res) => {
        const principal = principalOf(res);
        const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const before = await getTechnicianProfile(tx, params.id);
          if (!before || before.user_id !== principal.userId) throw notFound("Technician profile");
          const after = await updateTechnicianProfile(tx, params.id, body);
          if (!after) throw notFound("Technician profile");
          await audit(
            tx,
            req,
            principal,
            "technician_profile",
            params.id,
            "updated",
            before,
            after,
          );
          return after;
        });
        res.json(row);
      },
    ),
  );

  router.get(
    "/manager-profiles",
    auth,
    requirePermission("profiles:read"),
    handler({ query: ManagerProfileListQuery }, async ({ query }, _req, res) => {
      const principal = principalOf(res);
      const after = parseCursor(query.cursor);
      const rows = await withTenant(runtime.db, tenantOf(principal), (tx) =>
        listManagerProfiles(tx, query, { after, limit: query.limit }),
      );
      res.json(pageOf(rows, query.limit));
    }),
  );

  router.get(
    "/manager-profiles/:id",
    auth,
    requirePermission("profiles:read"),
    handler({ params: IdParams }, async ({ params }, _req, res) => {
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), (tx) =>
        getManagerProfile(tx, params.id),
      );
      if (!row) throw notFound("Manager profile");
      res.json(row);
    }),
  );

  router.post(
    "/manager-profiles",
    auth,
    requirePermission("profiles:write"),
    handler({ body: ManagerProfileCreateBody }, async ({ body }, req, res) => {
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const created = await insertManagerProfile(tx, principal.userId, body);
        await audit(tx, req, principal, "manager_profile", created.id, "created", null, created);
        return created;
      });
      res.status(201).json(row);
    }),
  );

  router.patch(
    "/manager-profiles/:id",
    auth,
    requirePermission("profiles:write"),
    handler(
      { params: IdParams, body: ManagerProfilePatchBody },
      async ({ params, body }, req, res) => {
        const principal = principalOf(res);
        const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const before = await getManagerProfile(tx, params.id);
          if (!before || before.user_id !== principal.userId) throw notFound("Manager profile");
          const after = await updateManagerProfile(tx, params.id, body);
          if (!after) throw notFound("Manager profile");
          await audit(tx, req, principal, "manager_profile", params.id, "updated", before, after);
          return after;
        });
        res.json(row);
      },
    ),
  );

  return router;
}
