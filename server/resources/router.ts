import { type Request, type Response, Router } from "express";
import type { z } from "zod";
import type { Permission } from "../../shared/permissions.ts";
import type { RowOf } from "../../shared/resources/define.ts";
import { IdParams } from "../../shared/schemas/fields.ts";
import { pageOf } from "../../shared/schemas/list.ts";
import { auditContextOf } from "../audit/record.ts";
import { tenantOf } from "../auth/access.ts";
import { type AnyResource, type ListInput, rowsOf } from "../db/resource-rows.ts";
import { type Tx, withTenant } from "../db/tenant-context.ts";
import { notFound } from "../errors.ts";
import { principalOf, requireAuth, requirePermission } from "../http/auth.ts";
import { handler } from "../http/handler.ts";
import type { Runtime } from "../runtime.ts";
import type { ResourceContext, Served } from "./rules.ts";
import { createResource, deleteResource, updateResource } from "./service.ts";

/**
 * The standard routes of a definition, mounted at /api/v1/<path>: list (keyset pages,
 * filters, sort), get, create, patch, soft delete. Each runs in one RLS transaction
 * (withTenant) behind its permission; writes go through service.ts, which records the
 * audit event. Domain actions are mounted next to them as their own routes.
 */
export function resourceRouter<D extends AnyResource>(runtime: Runtime, served: Served<D>): Router {
  const { def } = served;
  const rows = rowsOf(def);
  const router = Router();
  router.use(requireAuth(runtime));
  const has = (op: (typeof def.operations)[number]) => def.operations.includes(op);
  const guard = (permission: Permission) => requirePermission(permission);

  function inTenant<T>(req: Request, res: Response, work: (ctx: ResourceContext) => Promise<T>) {
    const principal = principalOf(res);
    return withTenant(runtime.db, tenantOf(principal), (tx: Tx) =>
      work({ tx, principal, audit: auditContextOf(req, principal) }),
    );
  }

  // What this caller may see of the rows (rules.present), e.g. anonymous authors blanked.
  const present = (ctx: ResourceContext, data: RowOf<D>[]) =>
    served.rules.present ? served.rules.present(ctx, data) : Promise.resolve(data);
  const presentOne = async (ctx: ResourceContext, row: RowOf<D>) =>
    (await present(ctx, [row]))[0] ?? row;

  if (has("list")) {
    router.get(
      "/",
      guard(def.permissions.read),
      handler({ query: def.listQuery, response: pageOf(def.row) }, ({ query }, req, res) =>
        inTenant(req, res, async (ctx) => {
          const page = await rows.list(ctx.tx, query as ListInput);
          return { ...page, data: await present(ctx, page.data) };
        }),
      ),
    );
  }
  if (has("get")) {
    router.get(
      "/:id",
      guard(def.permissions.read),
      handler({ params: IdParams, response: def.row }, ({ params }, req, res) =>
        inTenant(req, res, async (ctx) => {
          const row = await rows.find(ctx.tx, params.id);
          if (!row) throw notFound(def.label);
          return presentOne(ctx, row);
        }),
      ),
    );
  }
  if (has("create")) {
    router.post(
      "/",
      guard(def.permissions.write),
      handler(
        { body: def.create, status: 201, response: def.row, errors: [409, 422] },
        (
          { body },
          req,
          res, // The body was parsed by def.create: this is its validated boundary.
        ) =>
          inTenant(req, res, async (ctx) =>
            presentOne(ctx, await createResource(ctx, served, body as z.output<D["create"]>)),
          ),
      ),
    );
  }
  if (has("update")) {
    router.patch(
      "/:id",
      guard(def.permissions.write),
      handler(
        { params: IdParams, body: def.update, response: def.row, errors: [409, 422] },
        ({ params, body }, req, res) =>
          inTenant(req, res, async (ctx) =>
            presentOne(
              ctx,
              await updateResource(ctx, served, params.id, body as z.output<D["update"]>),
            ),
          ),
      ),
    );
  }
  if (has("delete")) {
    router.delete(
      "/:id",
      guard(def.permissions.write),
      handler({ params: IdParams, status: 204, errors: [403, 409] }, ({ params }, req, res) =>
        inTenant(req, res, (ctx) => deleteResource(ctx, served, params.id)),
      ),
    );
  }
  return router;
}
