import type { Request, Response } from "express";
import { Router } from "express";
import { z } from "zod";
import { pageOf } from "../../../shared/schemas/list.ts";
import { auditContextOf, recordAudit } from "../../audit/record.ts";
import { principalCan, tenantOf } from "../../auth/access.ts";
import { newApiKey, sha256 } from "../../auth/tokens.ts";
import { requireOrg } from "../../commands/auth/membership.ts";
import {
  ApiKeyRow,
  getApiKey,
  insertApiKey,
  listApiKeys,
  lockApiKey,
  revokeApiKey,
} from "../../db/api-keys.ts";
import { withTenant } from "../../db/tenant-context.ts";
import { notFound, unprocessable } from "../../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../../http/auth.ts";
import { handler } from "../../http/handler.ts";
import type { Runtime } from "../../runtime.ts";
import { IdParams } from "../users/schema.ts";
import { ApiKeyCreateBody, ApiKeyListQuery } from "./schema.ts";

/**
 * /api/v1/api-keys: keys for integrations. The secret is returned once, at creation;
 * only its SHA-256 is stored and no response ever carries the hash. A key acts as its
 * creator, limited to its scopes (which must be a subset of what the creator may do,
 * and, when a key creates a key, of its own scopes).
 */
export function apiKeysRouter(runtime: Runtime): Router {
  const router = Router();
  router.use(requireAuth(runtime), requirePermission("api_keys:manage"));

  router.post(
    "/",
    handler(
      {
        body: ApiKeyCreateBody,
        status: 201,
        response: ApiKeyRow.extend({ key: z.string() }),
        errors: [422],
      },
      async ({ body }, req, res) => {
        const principal = principalOf(res);
        const organizationId = requireOrg(principal);
        const scopes = [...new Set(body.scopes)];
        const beyond = scopes.filter((s) => !principalCan(principal, s));
        if (beyond.length > 0)
          throw unprocessable(`Scopes beyond your own permissions: ${beyond.join(", ")}`);
        if (body.expires_at && Date.parse(body.expires_at) <= Date.now()) {
          throw unprocessable("expires_at must be in the future");
        }
        const { key, prefix } = newApiKey();
        const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
          const created = await insertApiKey(tx, {
            organization_id: organizationId,
            created_by: principal.userId,
            key_prefix: prefix,
            key_hash: sha256(key),
            name: body.name,
            description: body.description ?? null,
            scopes,
            rate_limit_per_hour: body.rate_limit_per_hour,
            expires_at: body.expires_at ?? null,
          });
          await recordAudit(tx, auditContextOf(req, principal), {
            organizationId,
            eventType: "user_action",
            entityType: "api_key",
            entityId: created.id,
            data: {
              action: "api_key_created",
              scopes,
              rate_limit_per_hour: body.rate_limit_per_hour,
            },
            newState: created,
          });
          return created;
        });
        res.status(201).json({ ...row, key });
      },
    ),
  );

  // api_keys:manage is checked for the whole router above.
  router.get(
    "/",
    handler({ query: ApiKeyListQuery, response: pageOf(ApiKeyRow) }, ({ query }, _req, res) =>
      withTenant(runtime.db, tenantOf(principalOf(res)), (tx) => listApiKeys(tx, query)),
    ),
  );
  router.get(
    "/:id",
    handler({ params: IdParams, response: ApiKeyRow }, async ({ params }, _req, res) => {
      const key = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
        getApiKey(tx, params.id),
      );
      if (!key) throw notFound("API key");
      return key;
    }),
  );

  async function revoke(req: Request, res: Response, id: string) {
    const principal = principalOf(res);
    return withTenant(runtime.db, tenantOf(principal), async (tx) => {
      const before = await lockApiKey(tx, id);
      if (!before) throw notFound("API key");
      const after = await revokeApiKey(tx, id);
      await recordAudit(tx, auditContextOf(req, principal), {
        organizationId: after.organization_id,
        eventType: "user_action",
        entityType: "api_key",
        entityId: id,
        data: { action: "api_key_revoked" },
        previousState: { is_active: before.is_active, revoked_at: before.revoked_at },
        newState: { is_active: after.is_active, revoked_at: after.revoked_at },
      });
      return after;
    });
  }

  router.post(
    "/:id/revoke",
    handler({ params: IdParams, response: ApiKeyRow }, async ({ params }, req, res) => {
      res.json(await revoke(req, res, params.id));
    }),
  );

  router.delete(
    "/:id",
    handler({ params: IdParams, status: 204 }, async ({ params }, req, res) => {
      await revoke(req, res, params.id);
      res.status(204).end();
    }),
  );

  return router;
}
