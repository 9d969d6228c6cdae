import { Router } from "express";
import type { AuditEvent } from "../../audit/record.ts";
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
import { requireAuth } from "../../http/auth.ts";
import type { Runtime } from "../../runtime.ts";
import { createRoute, getRoute, listRoute, patchRoute } from "../resource-routes.ts";
import {
  ManagerProfileCreateBody,
  ManagerProfileListQuery,
  ManagerProfilePatchBody,
  TechnicianProfileBody,
  TechnicianProfileListQuery,
} from "./schema.ts";

type Kind = "technician_profile" | "manager_profile";

function profileEvent(
  principal: Principal,
  kind: Kind,
  id: string,
  action: "created" | "updated",
  before: unknown,
  after: unknown,
): AuditEvent {
  return {
    organizationId: principal.organizationId,
    eventType: action === "created" ? "user_action" : "user_updated",
    entityType: kind,
    entityId: id,
    data: { action: `${kind}_${action}` },
    previousState: before,
    newState: after,
  };
}

/** Only the profile's own user may write it; anyone else's is "not found". */
const ownedBy = <Row extends { user_id: string }>(row: Row | null, principal: Principal) =>
  row && row.user_id === principal.userId ? row : null;

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
  const read = { runtime, permission: "profiles:read" } as const;
  const write = { runtime, permission: "profiles:write" } as const;

  router.get(
    "/technician-profiles",
    auth,
    listRoute(read, TechnicianProfileListQuery, listTechnicianProfiles),
  );

  router.get(
    "/technician-profiles/:id",
    auth,
    getRoute(read, "Technician profile", getTechnicianProfile),
  );

  router.post(
    "/technician-profiles",
    auth,
    createRoute(write, {
      body: TechnicianProfileBody,
      create: (tx, body, principal) => insertTechnicianProfile(tx, principal.userId, body),
      audit: (created, principal) =>
        profileEvent(principal, "technician_profile", created.id, "created", null, created),
    }),
  );

  router.patch(
    "/technician-profiles/:id",
    auth,
    patchRoute(write, "Technician profile", {
      body: TechnicianProfileBody,
      find: async (tx, id, principal) => ownedBy(await getTechnicianProfile(tx, id), principal),
      update: updateTechnicianProfile,
      audit: ({ id, before, after, principal }) =>
        profileEvent(principal, "technician_profile", id, "updated", before, after),
    }),
  );

  router.get(
    "/manager-profiles",
    auth,
    listRoute(read, ManagerProfileListQuery, listManagerProfiles),
  );

  router.get("/manager-profiles/:id", auth, getRoute(read, "Manager profile", getManagerProfile));

  router.post(
    "/manager-profiles",
    auth,
    createRoute(write, {
      body: ManagerProfileCreateBody,
      create: (tx, body, principal) => insertManagerProfile(tx, principal.userId, body),
      audit: (created, principal) =>
        profileEvent(principal, "manager_profile", created.id, "created", null, created),
    }),
  );

  router.patch(
    "/manager-profiles/:id",
    auth,
    patchRoute(write, "Manager profile", {
      body: ManagerProfilePatchBody,
      find: async (tx, id, principal) => ownedBy(await getManagerProfile(tx, id), principal),
      update: updateManagerProfile,
      audit: ({ id, before, after, principal }) =>
        profileEvent(principal, "manager_profile", id, "updated", before, after),
    }),
  );

  return router;
}
