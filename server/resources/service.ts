import type { z } from "zod";
import type { AuditName, RowOf } from "../../shared/resources/define.ts";
import { type AuditEvent, recordAudit } from "../audit/record.ts";
import { type AnyResource, referenceExists, rowsOf } from "../db/resource-rows.ts";
import { siteOrganization } from "../db/tenants.ts";
import { notFound, unauthorized, unprocessable } from "../errors.ts";
import type { ResourceContext, Served } from "./rules.ts";

/**
 * The plain changes of every resource (create, patch, soft delete), each with its audit
 * event in the caller's transaction: the one place that records them. Domain actions
 * (transitions, assignment) are commands and record their own events.
 */

type Values = Record<string, unknown>;

/** "a site", "an elevator", "a work order", "a forum category": for 422 messages. */
const aNoun = (table: string) => {
  const noun = table.replace(/ies$/, "y").replace(/s$/, "").replaceAll("_", " ");
  return `${/^[aeiou]/.test(noun) ? "an" : "a"} ${noun}`;
};

/** Every reference the body names must be a row the caller can see (RLS), not deleted. */
async function checkReferences(ctx: ResourceContext, def: AnyResource, body: Values) {
  for (const [field, table] of Object.entries(def.references ?? {}) as [string, string][]) {
    const id = body[field];
    if (typeof id !== "string") continue;
    if (!(await referenceExists(ctx.tx, table, id))) {
      const whose = def.scope === "shared" ? "you can see" : "of this organisation";
      throw unprocessable(`${field} does not refer to ${aNoun(table)} ${whose}`);
    }
  }
}

/** Columns the caller's identity fills at creation: the scope's owner column and createdBy. */
function stamps(def: AnyResource, ctx: ResourceContext): Values {
  const { principal } = ctx;
  const out: Values = {};
  if (def.scope === "organization") {
    if (!principal.organizationId) throw unauthorized("An organisation is required");
    out.organization_id = principal.organizationId;
  }
  if (def.scope === "user") out.user_id = principal.userId;
  if (def.createdBy) out[def.createdBy] = principal.userId;
  return out;
}

/** A user-scoped row is its user's alone to change; to anyone else it is not there. */
const mayWrite = (def: AnyResource, row: Values, ctx: ResourceContext) =>
  def.scope !== "user" || row.user_id === ctx.principal.userId;

/**
 * The organisation whose audit trail records a change of `row`: the caller's, or for a
 * site-scoped row changed by a tenant portal user (who has none), the site's.
 */
export async function auditOrganization(
  ctx: ResourceContext,
  def: AnyResource,
  row: Values,
): Promise<string | null> {
  if (ctx.principal.organizationId || def.scope !== "site") return ctx.principal.organizationId;
  return siteOrganization(ctx.tx, String(row.site_id));
}

async function audit(
  ctx: ResourceContext,
  def: AnyResource,
  name: AuditName | undefined,
  row: Values,
  event: Omit<AuditEvent, "organizationId" | "eventType" | "entityType">,
) {
  if (!name) return;
  const [type, action] = typeof name === "string" ? [name, undefined] : [name.type, name.action];
  await recordAudit(ctx.tx, ctx.audit, {
    ...event,
    organizationId: await auditOrganization(ctx, def, row),
    eventType: type,
    entityType: def.entity,
    data: { ...(action ? { action } : {}), ...event.data },
  });
}

export async function createResource<D extends AnyResource>(
  ctx: ResourceContext,
  { def, rules }: Served<D>,
  body: z.output<D["create"]>,
): Promise<RowOf<D>> {
  const owner = stamps(def, ctx);
  await checkReferences(ctx, def, body);
  const extra = await rules.beforeCreate?.(ctx, body);
  const created = await rowsOf(def).insert(ctx.tx, { ...body, ...extra, ...owner });
  await audit(ctx, def, def.audit.created, created, {
    entityId: String(created.id),
    data: rules.auditCreated?.(created),
    newState: created,
  });
  await rules.afterCreate?.(ctx, created);
  return created;
}

export async function updateResource<D extends AnyResource>(
  ctx: ResourceContext,
  { def, rules }: Served<D>,
  id: string,
  body: z.output<D["update"]>,
): Promise<RowOf<D>> {
  const rows = rowsOf(def);
  const before = await rows.find(ctx.tx, id, "update");
  if (!before || !mayWrite(def, before, ctx)) throw notFound(def.label);
  await checkReferences(ctx, def, body);
  const extra = await rules.beforeUpdate?.(ctx, { id, before, body });
  const after = await rows.update(ctx.tx, id, { ...body, ...extra });
  if (!after) throw notFound(def.label);
  const special = rules.auditUpdated?.({ before, after, body });
  await audit(ctx, def, special?.type ?? def.audit.updated, after, {
    entityId: id,
    data: special?.data ?? { fields: Object.keys(body) },
    previousState: before,
    newState: after,
  });
  return after;
}

export async function deleteResource<D extends AnyResource>(
  ctx: ResourceContext,
  { def, rules }: Served<D>,
  id: string,
) {
  const rows = rowsOf(def);
  const row = await rows.find(ctx.tx, id, "update");
  if (!row || !mayWrite(def, row, ctx)) throw notFound(def.label);
  await rules.beforeDelete?.(ctx, { id, before: row });
  const removed = def.softDeletes
    ? await rows.softDelete(ctx.tx, id)
    : await rows.remove(ctx.tx, id);
  if (!removed) throw notFound(def.label);
  await audit(ctx, def, def.audit.deleted, row, { entityId: id, data: removed });
}
