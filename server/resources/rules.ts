import type { z } from "zod";
import type { AuditEventType } from "../../shared/audit-events.ts";
import type { RowOf } from "../../shared/resources/define.ts";
import type { AuditContext } from "../audit/record.ts";
import type { Principal } from "../auth/principal.ts";
import type { AnyResource } from "../db/resource-rows.ts";
import type { Tx } from "../db/tenant-context.ts";

/** Who acts, in which transaction: what every hook and command gets. */
export type ResourceContext = { tx: Tx; principal: Principal; audit: AuditContext };

type Values = Record<string, unknown>;

/**
 * A definition's domain rules: the part of a resource that is not declarative. Hooks run
 * inside the request's transaction, after validation, ownership and reference checks; they
 * throw an AppError (422 unprocessable, 409 conflict) to refuse, or return values to add
 * to (or replace in) what is written.
 */
export type Rules<D extends AnyResource> = {
  beforeCreate?: (ctx: ResourceContext, body: z.output<D["create"]>) => Promise<Values | undefined>;
  /** `before` is the row as it was, locked FOR UPDATE until the transaction ends. */
  beforeUpdate?: (
    ctx: ResourceContext,
    change: { id: string; before: RowOf<D>; body: z.output<D["update"]> },
  ) => Promise<Values | undefined>;
  /** Before a DELETE; `before` is the row, locked FOR UPDATE. Throw to refuse (403, 409). */
  beforeDelete?: (ctx: ResourceContext, change: { id: string; before: RowOf<D> }) => Promise<void>;
  /**
   * What this caller may see of rows about to be answered (lists, get, create, patch):
   * e.g. an anonymous author's id blanked for everyone but moderators. Same keys out as in.
   */
  present?: (ctx: ResourceContext, rows: RowOf<D>[]) => Promise<RowOf<D>[]>;
  /** Runs after the row and its audit event are written, in the same transaction. */
  afterCreate?: (ctx: ResourceContext, row: RowOf<D>) => Promise<void>;
  /** Extra event_data for the `created` audit event. */
  auditCreated?: (row: RowOf<D>) => Values;
  /** Another event type and/or data for a PATCH's audit event (e.g. a status change). */
  auditUpdated?: (change: {
    before: RowOf<D>;
    after: RowOf<D>;
    body: z.output<D["update"]>;
  }) => { type: AuditEventType; data: Values } | undefined;
};

/** A definition with its rules: what the router, the service and the generated tests take. */
export type Served<D extends AnyResource = AnyResource> = { def: D; rules: Rules<D> };

export const serve = <D extends AnyResource>(def: D, rules: Rules<D> = {}): Served<D> => ({
  def,
  rules,
});
