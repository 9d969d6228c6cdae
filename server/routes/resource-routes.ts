import type { RequestHandler } from "express";
import type { z } from "zod";
import type { Permission } from "../../shared/permissions.ts";
import { IdParams } from "../../shared/schemas/fields.ts";
import { type AuditEvent, auditContextOf, recordAudit } from "../audit/record.ts";
import { tenantOf } from "../auth/access.ts";
import type { Principal } from "../auth/principal.ts";
import { type Tx, withTenant } from "../db/tenant-context.ts";
import { notFound } from "../errors.ts";
import { principalOf, requirePermission } from "../http/auth.ts";
import { handler } from "../http/handler.ts";
import type { Runtime } from "../runtime.ts";

/**
 * The standard endpoints of a tenant resource (list, get, create, patch, soft delete), each
 * in one RLS transaction with its audit event. Each function returns the middleware of one
 * route: the permission check (null when the router already checks one for every route) and
 * the validating handler(), so the route catalogue reads schemas and permission as before.
 * Routes whose rules differ (work order transitions, elevator status) stay written out.
 */

type Guarded = { runtime: Runtime; permission: Permission | null };

const guard = (permission: Permission | null): RequestHandler[] =>
  permission ? [requirePermission(permission)] : [];

/** GET /: the validated query goes to `list`, which returns `{ data, next_cursor }`. */
export function listRoute<Q extends z.ZodType>(
  { runtime, permission }: Guarded,
  query: Q,
  list: (tx: Tx, query: z.output<Q>) => Promise<unknown>,
): RequestHandler[] {
  return [
    ...guard(permission),
    handler({ query }, async (input, _req, res) => {
      const tenant = tenantOf(principalOf(res));
      res.json(await withTenant(runtime.db, tenant, (tx) => list(tx, input.query)));
    }),
  ];
}

/** GET /:id; 404 with `label` when the row does not exist or RLS hides it. */
export function getRoute(
  { runtime, permission }: Guarded,
  label: string,
  find: (tx: Tx, id: string) => Promise<unknown>,
): RequestHandler[] {
  return [
    ...guard(permission),
    handler({ params: IdParams }, async ({ params }, _req, res) => {
      const row = await withTenant(runtime.db, tenantOf(principalOf(res)), (tx) =>
        find(tx, params.id),
      );
      if (!row) throw notFound(label);
      res.json(row);
    }),
  ];
}

/** POST /: 201 with the created row. */
export function createRoute<B extends z.ZodType, Row>(
  { runtime, permission }: Guarded,
  spec: {
    body: B;
    create: (tx: Tx, body: z.output<B>, principal: Principal) => Promise<Row>;
    audit: (created: Row, principal: Principal) => AuditEvent;
  },
): RequestHandler[] {
  return [
    ...guard(permission),
    handler({ body: spec.body }, async (input, req, res) => {
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const created = await spec.create(tx, input.body, principal);
        await recordAudit(tx, auditContextOf(req, principal), spec.audit(created, principal));
        return created;
      });
      res.status(201).json(row);
    }),
  ];
}

/**
 * PATCH /:id: `find` reads (or locks) the row as it was, null → 404; `update` writes the
 * validated body, null → 404; the audit event carries both states.
 */
export function patchRoute<B extends z.ZodType, Row>(
  { runtime, permission }: Guarded,
  label: string,
  spec: {
    body: B;
    find: (tx: Tx, id: string, principal: Principal) => Promise<Row | null>;
    update: (tx: Tx, id: string, body: z.output<B>) => Promise<Row | null>;
    audit: (change: {
      id: string;
      before: Row;
      after: Row;
      body: z.output<B>;
      principal: Principal;
    }) => AuditEvent;
  },
): RequestHandler[] {
  return [
    ...guard(permission),
    handler({ params: IdParams, body: spec.body }, async (input, req, res) => {
      const { id } = input.params;
      const principal = principalOf(res);
      const row = await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const before = await spec.find(tx, id, principal);
        if (!before) throw notFound(label);
        const after = await spec.update(tx, id, input.body);
        if (!after) throw notFound(label);
        const event = spec.audit({ id, before, after, body: input.body, principal });
        await recordAudit(tx, auditContextOf(req, principal), event);
        return after;
      });
      res.json(row);
    }),
  ];
}

/** DELETE /:id: `remove` soft-deletes, null → 404; 204. */
export function deleteRoute<Deleted>(
  { runtime, permission }: Guarded,
  label: string,
  spec: {
    remove: (tx: Tx, id: string) => Promise<Deleted | null>;
    audit: (deleted: Deleted, principal: Principal) => AuditEvent;
  },
): RequestHandler[] {
  return [
    ...guard(permission),
    handler({ params: IdParams }, async ({ params }, req, res) => {
      const principal = principalOf(res);
      await withTenant(runtime.db, tenantOf(principal), async (tx) => {
        const deleted = await spec.remove(tx, params.id);
        if (!deleted) throw notFound(label);
        await recordAudit(tx, auditContextOf(req, principal), spec.audit(deleted, principal));
      });
      res.status(204).end();
    }),
  ];
}
