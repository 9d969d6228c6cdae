import { Router } from "express";
import { pageOf } from "../../../shared/schemas/list.ts";
import { principalCan, principalCanOnSelf, tenantOf } from "../../auth/access.ts";
import { invite, resendInvite } from "../../commands/auth/invite.ts";
import { removeUser, requireOrg, setActive, updateUser } from "../../commands/auth/membership.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { getUser, listUsers, UserRow } from "../../db/users.ts";
import { forbidden, notFound } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { IdParams, InviteBody, InvitedResponse, UserListQuery, UserPatchBody } from "./schema.ts";

/** /api/v1/users: members of the caller's organisation. Other organisations' ids are 404. */
export function usersRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime));

  router.get(
    "/",
    requirePermission("users:read"),
    handler(
      { query: UserListQuery, response: pageOf(UserRow), errors: [422] },
      async ({ query }, _req, res) => {
        const principal = principalOf(res);
        const organizationId = requireOrg(principal);
        res.json(
          await withTenant(runtime.db, tenantOf(principal), (tx) =>
            listUsers(tx, organizationId, query),
          ),
        );
      },
    ),
  );

  router.post(
    "/invite",
    requirePermission("users:manage"),
    handler(
      { body: InviteBody, status: 201, response: InvitedResponse, errors: [409, 422] },
      async ({ body }, req, res) => {
        res.status(201).json(await invite(runtime, req, principalOf(res), body));
      },
    ),
  );

  router.post(
    "/:id/resend-invite",
    requirePermission("users:manage"),
    handler(
      { params: IdParams, response: InvitedResponse, errors: [409] },
      async ({ params }, req, res) => {
        res.json(await resendInvite(runtime, req, principalOf(res), params.id));
      },
    ),
  );

  router.get(
    "/:id",
    handler(
      { params: IdParams, response: UserRow, errors: [403] },
      async ({ params }, _req, res) => {
        const principal = principalOf(res);
        // Everyone may read their own row (an API key only with users:read); colleagues
        // need users:read.
        const allowed =
          params.id === principal.userId
            ? principalCanOnSelf(principal, "read")
            : principalCan(principal, "users:read");
        if (!allowed) throw forbidden();
        const user = await withTenant(runtime.db, tenantOf(principal), (tx) =>
          getUser(tx, params.id),
        );
        const visible =
          user &&
          (user.id === principal.userId || user.organization_id === principal.organizationId);
        if (!visible) throw notFound("User");
        res.json(user);
      },
    ),
  );

  router.patch(
    "/:id",
    handler(
      { params: IdParams, body: UserPatchBody, response: UserRow, errors: [403, 409, 422] },
      async ({ params, body }, req, res) => {
        res.json(await updateUser(runtime, req, principalOf(res), params.id, body));
      },
    ),
  );

  router.delete(
    "/:id",
    requirePermission("users:manage"),
    handler({ params: IdParams, status: 204, errors: [409, 422] }, async ({ params }, req, res) => {
      await removeUser(runtime, req, principalOf(res), params.id);
      res.status(204).end();
    }),
  );

  router.post(
    "/:id/deactivate",
    requirePermission("users:manage"),
    handler(
      { params: IdParams, response: UserRow, errors: [409, 422] },
      async ({ params }, req, res) => {
        res.json(await setActive(runtime, req, principalOf(res), params.id, false));
      },
    ),
  );

  router.post(
    "/:id/reactivate",
    requirePermission("users:manage"),
    handler(
      { params: IdParams, response: UserRow, errors: [409, 422] },
      async ({ params }, req, res) => {
        res.json(await setActive(runtime, req, principalOf(res), params.id, true));
      },
    ),
  );

  return router;
}
