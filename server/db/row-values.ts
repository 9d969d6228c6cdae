import {
  isSqlToken,
  type ListSqlToken,
  type SerializableValue,
  sql,
  type ValueExpression,
} from "slonik";
import type { ZodObject } from "zod";
import type { ColumnKind } from "../../shared/resources/columns.ts";

/**
 * Helpers for tables whose API rows are the seed's columns: the SELECT list comes from the
 * zod row schema, and a validated write object becomes INSERT columns/values or UPDATE
 * assignments. Column names are only ever keys of zod schemas or of a code-defined
 * ColumnKinds map, never client strings.
 */

/** How each column is sent: as is ("value", also the default), jsonb, or a typed Postgres array. */
export type ColumnKinds = Record<string, ColumnKind>;

/** `alias.col1, alias.col2, ...` for every key of the row schema. */
export function columnsOf(schema: ZodObject, alias?: string): ListSqlToken {
  return sql.join(
    Object.keys(schema.shape).map((k) => sql.identifier(alias ? [alias, k] : [k])),
    sql.fragment`, `,
  );
}

function sqlValue(column: string, value: unknown, kinds: ColumnKinds): ValueExpression {
  if (value === null || value === undefined) return null;
  const kind = kinds[column] ?? "value";
  // The casts below sit behind zod validation of the request body.
  if (kind === "jsonb") return sql.jsonb(value as SerializableValue);
  if (kind === "text[]") return sql.array(value as string[], "text");
  if (kind === "int4[]") return sql.array(value as number[], "int4");
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint" ||
    isSqlToken(value)
  ) {
    return value;
  }
  throw new Error(`unsupported value for column ${column}`);
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

/** `col = value, ...` for every present entry; null when there is nothing to set. */
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

/**
 * assignmentsOf limited to the whitelisted columns of `editable` (others in the patch are
 * ignored); null when nothing would change. Used by the identity tables' update functions.
 */
export function setClause(
  patch: Record<string, unknown>,
  editable: ColumnKinds,
): ListSqlToken | null {
  return assignmentsOf(
    Object.fromEntries(Object.entries(patch).filter(([column]) => Object.hasOwn(editable, column))),
    editable,
  );
}

/** A value that writes the transaction's time (e.g. a status_changed_at a hook stamps). */
export const NOW = sql.fragment`now()`;
