import { type FragmentSqlToken, type IdentifierSqlToken, sql } from "slonik";
import { z } from "zod";
import { invalidRequest } from "../errors.ts";

/**
 * Keyset (cursor) pagination shared by every list endpoint: newest first, ordered by
 * (created_at, id). The cursor is opaque to clients: base64url of `[created_at, id]`.
 *
 * Usage in a server/db/<table>.ts list function:
 *
 *   const after = parseCursor(query.cursor);           // null on the first page
 *   const rows = await tx.any(sql.type(Row)`
 *     SELECT ... FROM sites s
 *      WHERE ${keysetAfter(after, sql.identifier(["s"]))} AND ...filters
 *      ORDER BY ${keysetOrder(sql.identifier(["s"]))}
 *      LIMIT ${query.limit + 1}`);
 *   return pageOf(rows, query.limit);                   // { data, next_cursor }
 *
 * Timestamps leave Postgres with microseconds but the type parser turns them into
 * millisecond ISO strings, so ordering and comparison use created_at truncated to
 * milliseconds; otherwise a row would reappear on the next page.
 */

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export type Cursor = { createdAt: string; id: string };

const CursorTuple = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

export function encodeCursor(row: { created_at: string | null; id: string }): string {
  return Buffer.from(
    JSON.stringify([row.created_at ?? new Date(0).toISOString(), row.id]),
  ).toString("base64url");
}

/** Returns null for no cursor; a malformed cursor is a 400 on `query.cursor`. */
export function parseCursor(cursor: string | undefined | null): Cursor | null {
  if (!cursor) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = null;
  }
  const parsed = CursorTuple.safeParse(decoded);
  if (!parsed.success) {
    throw invalidRequest("query.cursor: Invalid cursor", [
      { path: "query.cursor", message: "Invalid cursor" },
    ]);
  }
  return { createdAt: parsed.data[0], id: parsed.data[1] };
}

const createdAtOf = (alias?: IdentifierSqlToken) =>
  alias
    ? sql.fragment`date_trunc('milliseconds', ${alias}.created_at)`
    : sql.fragment`date_trunc('milliseconds', created_at)`;
const idOf = (alias?: IdentifierSqlToken) => (alias ? sql.fragment`${alias}.id` : sql.fragment`id`);

/** WHERE condition for rows after the cursor (TRUE on the first page). */
export function keysetAfter(cursor: Cursor | null, alias?: IdentifierSqlToken): FragmentSqlToken {
  if (!cursor) return sql.fragment`TRUE`;
  return sql.fragment`(${createdAtOf(alias)}, ${idOf(alias)}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`;
}

/** ORDER BY list matching keysetAfter. */
export function keysetOrder(alias?: IdentifierSqlToken): FragmentSqlToken {
  return sql.fragment`${createdAtOf(alias)} DESC, ${idOf(alias)} DESC`;
}

/** Rows were fetched with LIMIT limit+1; the extra row only says there is a next page. */
export function pageOf<T extends { created_at: string | null; id: string }>(
  rows: readonly T[],
  limit: number,
): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}
