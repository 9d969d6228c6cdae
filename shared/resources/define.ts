import { z } from "zod";
import type { AuditEventType } from "../audit-events.ts";
import type { Permission } from "../permissions.ts";
import type { Entity } from "../realtime/entities.ts";
import { isoTimestamp, queryInt } from "../schemas/fields.ts";
import { ListQuery } from "../schemas/list.ts";
import { type Columns, schemasOf } from "./columns.ts";

/**
 * One declarative definition per REST resource (docs/resources.md). It is plain data, so
 * clients import it too: the row type, the create/update/list schemas, the path. The
 * server turns it into routes, SQL, audit events, OpenAPI entries and generated tests
 * (server/resources/); domain rules that need the database are server-side hooks.
 */

/** A list filter: one query parameter narrowing rows by one column. */
export type Filter =
  /** column = value */
  | { kind: "eq"; column?: string; schema: z.ZodType }
  /** `?status=a,b`: column = ANY(values::pgType[]) */
  | { kind: "anyOf"; column?: string; schema: z.ZodType<string[]>; pgType: string }
  /** `?is_active=true|false`: true is IS TRUE, false is IS NOT TRUE (null counts as false) */
  | { kind: "flag"; column?: string; schema: z.ZodType<boolean> }
  /** the text[] column contains the value */
  | { kind: "contains"; column: string; schema: z.ZodType<string> }
  /** timestamptz column < value */
  | { kind: "before"; column: string; schema: z.ZodType<string> }
  /** date column between today and today + N days (the database's date, inclusive) */
  | { kind: "withinDays"; column: string; schema: z.ZodType<number> };

const flagQuery = z.enum(["true", "false"]).transform((v) => v === "true");

/** Filter constructors; `column` defaults to the query parameter's name. */
export const filter = {
  eq: (schema: z.ZodType, column?: string): Filter => ({ kind: "eq", schema, column }),
  anyOf: <const V extends readonly [string, ...string[]]>(
    values: V,
    pgType: string,
    column?: string,
  ): Filter => ({
    kind: "anyOf",
    pgType,
    column,
    schema: z
      .string()
      .transform((v) => v.split(",").map((s) => s.trim()))
      .pipe(z.array(z.enum(values)).min(1).max(values.length)),
  }),
  flag: (column?: string): Filter => ({ kind: "flag", column, schema: flagQuery }),
  contains: (column: string, schema: z.ZodType<string> = z.string().max(100)): Filter => ({
    kind: "contains",
    column,
    schema,
  }),
  before: (column: string): Filter => ({
    kind: "before",
    column,
    schema: isoTimestamp,
  }),
  withinDays: (column: string, maxDays = 3650): Filter => ({
    kind: "withinDays",
    column,
    schema: queryInt(0, maxDays),
  }),
};

/** Extra sort keys (besides created_at) and how their values compare in a cursor. */
export type SortKind = "text" | "timestamp" | "number";

/** An audit event label, or user_action-style `{ type, action }` (action goes in event_data). */
export type AuditName = AuditEventType | { type: AuditEventType; action: string };

/** The entity names of the realtime streams (shared/realtime/entities.ts), e.g. work_order. */
export type RealtimeEntity = Entity;

export type Operation = "list" | "get" | "create" | "update" | "delete";

export type ResourceSpec<C extends Columns, F extends Record<string, Filter>> = {
  /** Table name (the seed's). */
  table: string;
  /** URL segment under /api/v1; defaults to the table name with dashes. */
  path?: string;
  /** Singular snake_case name: audit entity_type, "<Entity> not found", 422 messages. */
  entity: string;
  /** Every column the API returns, in the seed's order, with how clients write it
   *  (shared/resources/columns.ts). Columns left out never leave the database. */
  columns: C;
  /**
   * Who a row belongs to. "organization": inserts get the caller's organization_id and RLS
   * does the rest. "user": inserts get user_id = the caller, and only that user may change
   * it (another user's row is 404 to write). "site": the organisation of the site its
   * `site_id` names (tenants, service requests): nothing is stamped, RLS decides who sees
   * and writes it (staff, and tenant portal users, who have no organisation), and its audit
   * events go to that organisation's trail. "shared": a platform-wide table whose own
   * columns say who sees what (forum categories, threads, posts): nothing is stamped
   * besides `createdBy`, RLS and the server hooks decide.
   */
  scope: "organization" | "user" | "site" | "shared";
  /** Column stamped with the caller's user id at creation (e.g. created_by). */
  createdBy?: string;
  permissions: { read: Permission; write: Permission };
  /** Which standard routes exist; default all of them (delete only with softDelete). A
   *  "delete" listed without softDelete is a hard DELETE (rows nothing else refers to). */
  operations?: readonly Operation[];
  filters?: F;
  /** `?sort=name` / `?sort=-name`; created_at is always a key, `-created_at` the default.
   *  Only columns that are never null (keyset pagination compares values). */
  sort?: Record<string, SortKind>;
  /** DELETE sets deleted_at; every route then ignores deleted rows. `cascade` soft-deletes
   *  child rows in the same transaction: { table: foreign key column }. */
  softDelete?: boolean | { cascade: Record<string, string> };
  /** Body fields naming rows of other tables: the row must be visible to the caller (RLS)
   *  and not soft-deleted, else 422. Foreign keys alone ignore RLS. */
  references?: Record<string, string>;
  /** How plain changes are recorded in audit_events (nothing is recorded for an absent one). */
  audit: { created?: AuditName; updated?: AuditName; deleted?: AuditName };
  /** For streamed tables: the realtime entity name of its events. */
  realtime?: RealtimeEntity;
};

/** `<entity>_created|_updated|_deleted` as user_action: for tables the seed's enum has no labels for. */
export const userActions = (entity: string) =>
  ({
    created: { type: "user_action", action: `${entity}_created` },
    updated: { type: "user_action", action: `${entity}_updated` },
    deleted: { type: "user_action", action: `${entity}_deleted` },
  }) as const;

export function defineResource<
  C extends Columns,
  F extends Record<string, Filter> = Record<never, never>,
>(spec: ResourceSpec<C, F>) {
  const { row, create, update, kinds } = schemasOf(spec.columns);
  for (const [key, kind] of Object.entries(spec.sort ?? {})) {
    const column = spec.columns[key];
    if (!column || column.read.safeParse(null).success) {
      throw new Error(`${spec.table}: sort key ${key} (${kind}) must be a non-null column`);
    }
  }
  const sortKeys = ["created_at", ...Object.keys(spec.sort ?? {})];
  const filterShape: Record<string, z.ZodType> = {};
  for (const [name, f] of Object.entries(spec.filters ?? {}))
    filterShape[name] = f.schema.optional();
  const softDelete = spec.softDelete !== undefined && spec.softDelete !== false;

  const listQuery = ListQuery.extend({
    ...filterShape,
    sort: z
      .enum(sortKeys.flatMap((k) => [k, `-${k}`]) as [string, ...string[]])
      .default("-created_at"),
  });

  return {
    ...spec,
    path: spec.path ?? spec.table.replaceAll("_", "-"),
    /** "Work order": the entity as a sentence starts with it. */
    label: spec.entity.charAt(0).toUpperCase() + spec.entity.slice(1).replaceAll("_", " "),
    kinds,
    softDeletes: softDelete,
    row,
    cascade: typeof spec.softDelete === "object" ? spec.softDelete.cascade : {},
    operations:
      spec.operations ??
      (["list", "get", "create", "update", ...(softDelete ? ["delete"] : [])] as Operation[]),
    filters: (spec.filters ?? {}) as F,
    sortKinds: { created_at: "timestamp", ...spec.sort } as Record<string, SortKind>,
    create,
    update,
    listQuery,
  };
}

export type RowOf<D extends { row: z.ZodType }> = z.output<D["row"]>;
