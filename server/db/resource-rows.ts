import { type FragmentSqlToken, type IdentifierSqlToken, sql } from "slonik";
import { z } from "zod";
import type { defineResource, Filter, RowOf } from "../../shared/resources/define.ts";
import type { Page, Sort } from "./keyset.ts";
import {
  findRow,
  insertRow,
  listRows,
  type ResourceTable,
  softDeleteRow,
  updateRow,
} from "./resource-table.ts";
import { assignmentsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * The SQL of a resource definition (shared/resources/): every statement is built from the
 * definition's table, row schema, column kinds and filters, never from client strings
 * (filter and sort names are keys of the definition; values are bound parameters).
 */

// biome-ignore lint/suspicious/noExplicitAny: any definition, whatever its schemas
export type AnyResource = ReturnType<typeof defineResource<any, any>>;

/** The validated list query: page, sort spec and filter values by parameter name. */
export type ListInput = Page & { sort?: string } & Record<string, unknown>;

const ALIAS = "r";

function tableOf<D extends AnyResource>(def: D): ResourceTable<D["row"]> {
  return {
    name: def.table,
    alias: ALIAS,
    row: def.row,
    kinds: def.kinds,
    softDeletes: def.softDeletes,
  };
}

function condition(f: Filter, column: IdentifierSqlToken, value: unknown): FragmentSqlToken {
  switch (f.kind) {
    case "eq":
      return sql.fragment`${column} = ${value as string | number | boolean}`;
    case "anyOf":
      return sql.fragment`${column} = ANY(${sql.array(value as string[], f.pgType)})`;
    case "flag":
      return value ? sql.fragment`${column} IS TRUE` : sql.fragment`${column} IS NOT TRUE`;
    case "contains":
      return sql.fragment`${column} @> ${sql.array([value as string], "text")}`;
    case "before":
      return sql.fragment`${column} < ${value as string}::timestamptz`;
    case "withinDays":
      return sql.fragment`${column} BETWEEN current_date AND current_date + ${value as number}::int`;
  }
}

/** One condition per filter present in the query. The casts sit behind the filters' zod schemas. */
function filterConditions(def: AnyResource, query: ListInput): FragmentSqlToken[] {
  return Object.entries(def.filters as Record<string, Filter>).flatMap(([name, f]) => {
    const value = query[name];
    if (value === undefined) return [];
    return [condition(f, sql.identifier([ALIAS, f.column ?? name]), value)];
  });
}

/** `name` or `-name`, already checked against the definition's sort keys by its list query. */
function sortOf(def: AnyResource, spec = "-created_at"): Sort {
  const descending = spec.startsWith("-");
  const key = descending ? spec.slice(1) : spec;
  const kind = def.sortKinds[key];
  if (!kind) throw new Error(`${def.table}: unknown sort key ${key}`);
  return { key, kind, descending };
}

const Count = z.object({ n: z.number() });

/** The reads and writes of one definition's table, all under the caller's RLS context. */
export function rowsOf<D extends AnyResource>(def: D) {
  const t = tableOf(def);
  type Row = RowOf<D>;
  // Every row below was parsed by def.row (slonik's sql.type): that is where Row comes from.
  return {
    /** `lock` takes a row lock for a command that reads and then writes on the row's basis. */
    find: (tx: Tx, id: string, lock?: "update" | "share") =>
      findRow(tx, t, id, lock) as Promise<Row | null>,
    list: (tx: Tx, query: ListInput) =>
      listRows(tx, t, filterConditions(def, query), query, sortOf(def, query.sort)) as Promise<{
        data: Row[];
        next_cursor: string | null;
      }>,
    insert: (tx: Tx, values: Record<string, unknown>) => insertRow(tx, t, values) as Promise<Row>,
    /** Null when the row does not exist (or RLS hides it from this writer). */
    update: (tx: Tx, id: string, values: Record<string, unknown>) =>
      updateRow(tx, t, id, assignmentsOf(values, def.kinds)) as Promise<Row | null>,
    /** A hard DELETE, for tables without deleted_at (subscriptions); null when not there. */
    async remove(tx: Tx, id: string): Promise<Record<string, number> | null> {
      const gone = await tx.maybeOne(sql.type(z.object({ id: z.string() }))`
        DELETE FROM ${sql.identifier([def.table])} WHERE id = ${id} RETURNING id`);
      return gone ? {} : null;
    },
    /**
     * Sets deleted_at, and on the definition's cascade tables the children's; returns how
     * many of each went with it (`elevators_deleted: 2`). Null when there was no live row.
     */
    async softDelete(tx: Tx, id: string): Promise<Record<string, number> | null> {
      if (!(await softDeleteRow(tx, { ...t, softDeletes: true }, id))) return null;
      const cascaded: Record<string, number> = {};
      for (const [table, column] of Object.entries(def.cascade as Record<string, string>)) {
        cascaded[`${table}_deleted`] = await tx.oneFirst(sql.type(Count)`
          WITH gone AS (
            UPDATE ${sql.identifier([table])} SET deleted_at = now()
             WHERE ${sql.identifier([column])} = ${id} AND deleted_at IS NULL RETURNING 1
          ) SELECT count(*)::int AS n FROM gone`);
      }
      return cascaded;
    },
  };
}

/**
 * True when `table` has a row `id` the caller may see (RLS) that is not soft-deleted.
 * Foreign keys are checked by Postgres without RLS, so another organisation's id would
 * satisfy them; every reference a client sends is looked up here first. to_jsonb() reads
 * deleted_at where the table has one and gives null where it has none.
 */
export async function referenceExists(tx: Tx, table: string, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(z.object({ found: z.boolean() }))`
    SELECT EXISTS (
      SELECT 1 FROM ${sql.identifier([table])} t
       WHERE t.id = ${id} AND to_jsonb(t) ->> 'deleted_at' IS NULL
    ) AS found`);
}
