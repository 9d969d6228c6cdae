import { type FragmentSqlToken, type ListSqlToken, sql } from "slonik";
import { z } from "zod";
import {
  keysetAfter,
  keysetOrder,
  NEWEST_FIRST,
  type Page,
  pageOf,
  parseCursor,
  type Sort,
} from "./keyset.ts";
import { type ColumnKinds, columnsOf, insertParts } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * The reads and writes every tenant resource table has in common: by id, keyset-paged
 * lists, insert, update and soft delete, all selecting the columns of the zod row schema.
 * RLS scopes every statement to the current organisation. Tables with a definition
 * (shared/resources/) reach these through resource-rows.ts; the identity tables (users,
 * organizations, api_keys) call them from server/db/<table>.ts.
 */
export type ResourceTable<S extends z.ZodObject> = {
  /** Table name; code-defined, never client input. */
  name: string;
  /** Alias the list query gives the table, for filters written as `alias.column`. */
  alias: string;
  row: S;
  kinds: ColumnKinds;
  /** Rows end with deleted_at set; every function here then ignores deleted rows. */
  softDeletes: boolean;
};

const notDeleted = <S extends z.ZodObject>(t: ResourceTable<S>, alias?: string) =>
  t.softDeletes
    ? sql.fragment`${sql.identifier(alias ? [alias, "deleted_at"] : ["deleted_at"])} IS NULL`
    : sql.fragment`TRUE`;

const LOCKS = { update: sql.fragment`FOR UPDATE`, share: sql.fragment`FOR SHARE` };

/** `lock` takes a row lock for a command that reads and then writes on the row's basis. */
export async function findRow<S extends z.ZodObject>(
  tx: Tx,
  t: ResourceTable<S>,
  id: string,
  lock?: keyof typeof LOCKS,
) {
  return tx.maybeOne(sql.type(t.row)`
    SELECT ${columnsOf(t.row)} FROM ${sql.identifier([t.name])}
     WHERE id = ${id} AND ${notDeleted(t)}
    ${lock ? LOCKS[lock] : sql.fragment``}`);
}

/**
 * One page in `sort` order (newest first by default). `filters` are conditions on the
 * aliased table, built from the validated query.
 */
export async function listRows<S extends z.ZodObject>(
  tx: Tx,
  t: ResourceTable<S>,
  filters: readonly FragmentSqlToken[],
  page: Page,
  sort: Sort = NEWEST_FIRST,
) {
  const alias = sql.identifier([t.alias]);
  const conditions = [
    notDeleted(t, t.alias),
    keysetAfter(sort, parseCursor(sort, page.cursor), alias),
    ...filters,
  ];
  const rows = await tx.any(sql.type(t.row)`
    SELECT ${columnsOf(t.row, t.alias)} FROM ${sql.identifier([t.name])} ${alias}
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder(sort, alias)}
     LIMIT ${page.limit + 1}`);
  return pageOf(sort, rows, page.limit);
}

export async function insertRow<S extends z.ZodObject>(
  tx: Tx,
  t: ResourceTable<S>,
  values: Record<string, unknown>,
) {
  const parts = insertParts(values, t.kinds);
  return tx.one(sql.type(t.row)`
    INSERT INTO ${sql.identifier([t.name])} (${parts.columns}) VALUES (${parts.values})
    RETURNING ${columnsOf(t.row)}`);
}

/**
 * Applies `set` (from assignmentsOf or setClause); with nothing to set it returns the row
 * as it is. Null when the row does not exist (or RLS hides it from this writer).
 */
export async function updateRow<S extends z.ZodObject>(
  tx: Tx,
  t: ResourceTable<S>,
  id: string,
  set: ListSqlToken | null,
) {
  if (!set) return findRow(tx, t, id);
  return tx.maybeOne(sql.type(t.row)`
    UPDATE ${sql.identifier([t.name])} SET ${set} WHERE id = ${id} AND ${notDeleted(t)}
    RETURNING ${columnsOf(t.row)}`);
}

/** Sets deleted_at; null when there was no live row to delete. */
export async function softDeleteRow<S extends z.ZodObject>(
  tx: Tx,
  t: ResourceTable<S> & { softDeletes: true },
  id: string,
): Promise<{ id: string } | null> {
  return tx.maybeOne(sql.type(z.object({ id: z.string() }))`
    UPDATE ${sql.identifier([t.name])} SET deleted_at = now()
     WHERE id = ${id} AND deleted_at IS NULL RETURNING id`);
}
