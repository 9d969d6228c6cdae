import { Router } from "express";
import { z } from "zod";
import { PERMISSIONS, ROLES } from "../../../shared/permissions.ts";
import { ListQuery, pageOf } from "../../../shared/schemas/list.ts";
import { principalCan, principalCanOnSelf, tenantOf } from "../../auth/access.ts";
import { requestEmailVerification } from "../../commands/auth/email-verification.ts";
import { endOwnSession, listOwnSessions } from "../../commands/auth/own-sessions.ts";
import { changePassword } from "../../commands/auth/password.ts";
import { getOrganization, OrganizationRow } from "../../db/organizations.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { OwnSessionRow } from "../../db/user-sessions.ts";
import { getUser, UserRow } from "../../db/users.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { principalOf, requireAuth } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { PasswordChangeBody } from "../auth/schema.ts";
import { IdParams } from "../users/schema.ts";

/** GET /me: the user, their organisation, role, effective permissions and credential. */
const MeResponse = z.object({
  user: UserRow,
  organization: OrganizationRow.nullable(),
  role: z.enum(ROLES),
  permissions: z.array(z.enum(PERMISSIONS)),
  credential: z.object({
    kind: z.enum(["user", "api_key"]),
    session_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
  }),
});
const OwnSession = OwnSessionRow.extend({ current: z.boolean() });
const VerificationSent = z.object({ status: z.literal("verification_sent") });

/**
 * /api/v1/me: who the credential belongs to and what it may do, and the signed-in
 * user's own account: sessions, password, e-mail verification (docs/auth.md).
 */
export function meRouter(runtime: Runtime): Router {
  const router = Router();
  router.get(
    "/",
    requireAuth(runtime),
    handler({ response: MeResponse, errors: [403] }, async (_input, _req, res) => {
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
  router.get(
    "/sessions",
    requireAuth(runtime),
    handler(
      { query: ListQuery, response: pageOf(OwnSession), errors: [403] },
      async ({ query }, _req, res) => {
        res.json(await listOwnSessions(runtime, principalOf(res), query));
      },
    ),
  );

  router.delete(
    "/sessions/:id",
    requireAuth(runtime),
    handler({ params: IdParams, status: 204, errors: [403] }, async ({ params }, req, res) => {
      await endOwnSession(runtime, req, principalOf(res), params.id);
      res.status(204).end();
    }),
  );

  router.post(
    "/password",
    requireAuth(runtime),
    handler(
      { body: PasswordChangeBody, status: 204, errors: [403] },
      async ({ body }, req, res) => {
        await changePassword(runtime, req, principalOf(res), body);
        res.status(204).end();
      },
    ),
  );

  router.post(
    "/email-verification",
    requireAuth(runtime),
    handler(
      { status: 202, response: VerificationSent, errors: [403, 409] },
      async (_input, req, res) => {
        await requestEmailVerification(runtime, req, principalOf(res));
        res.status(202).json({ status: "verification_sent" });
      },
    ),
  );

  return router;
}
