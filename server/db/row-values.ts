import { type ListSqlToken, type SerializableValue, sql, type ValueExpression } from "slonik";
import type { ZodObject } from "zod";

/**
 * Helpers for the resource tables (sites, elevators, contractors, work orders) whose API
 * rows are the seed's columns: the SELECT list comes from the zod row schema, and a
 * validated write object becomes INSERT columns/values or UPDATE assignments. Column
 * names are only ever keys of zod schemas, never client strings.
 */

/** How a column is sent: plain scalar, jsonb, or a typed Postgres array. */
export type ColumnKinds = Record<string, "jsonb" | "text[]" | "int4[]">;

/** `alias.col1, alias.col2, ...` for every key of the row schema. */
export function columnsOf(schema: ZodObject, alias?: string): ListSqlToken {
  return sql.join(
    Object.keys(schema.shape).map((k) => sql.identifier(alias ? [alias, k] : [k])),
    sql.fragment`, `,
  );
}

function sqlValue(column: string, value: unknown, kinds: ColumnKinds): ValueExpression {
  if (value === null || value === undefined) return null;
  const kind = kinds[column];
  if (kind === "jsonb") return sql.jsonb(value as SerializableValue);
  if (kind === "text[]") return sql.array(value as string[], "text");
  if (kind === "int4[]") return sql.array(value as number[], "int4");
  return value as ValueExpression;
}

/** Entries whose value is not undefined (zod leaves optional fields out or undefined). */
function present(values: Record<string, unknown>): [string, unknown][] {
  return Object.entries(values).filter(([, v]) => v !== undefined);
}

export function insertParts(
  values: Record<string, unknown>,
  kinds: ColumnKinds,
): { columns: ListSqlToken; values: ListSqlToken } {
  const entries = present(values);
  return {
    columns: sql.join(
      entries.map(([k]) => sql.identifier([k])),
      sql.fragment`, `,
    ),
    values: sql.join(
      entries.map(([k, v]) => sql.fragment`${sqlValue(k, v, kinds)}`),
      sql.fragment`, `,
    ),
  };
}

/** `col = value, ...`; null when there is nothing to set. */
export function assignmentsOf(
  values: Record<string, unknown>,
  kinds: ColumnKinds,
): ListSqlToken | null {
  const entries = present(values);
  if (entries.length === 0) return null;
  return sql.join(
    entries.map(([k, v]) => sql.fragment`${sql.identifier([k])} = ${sqlValue(k, v, kinds)}`),
    sql.fragment`, `,
  );
}
