import { type FragmentSqlToken, type IdentifierSqlToken, sql } from "slonik";
import { z } from "zod";
import { invalidRequest } from "../errors.ts";

/**
 * Keyset (cursor) pagination shared by every list: rows ordered by one sort key and then
 * id, both in the same direction; the next page starts after the last row's (key, id).
 * The cursor is opaque to clients: base64url of `[sort, value, id]`, so a cursor is only
 * good for the sort it came from (another sort's cursor is a 400, not a wrong page).
 *
 * Timestamps leave Postgres with microseconds but the type parser turns them into
 * millisecond ISO strings, so timestamp keys compare truncated to milliseconds; otherwise
 * a row would reappear on the next page.
 */

/** What a list function gets: the page size and the previous page's cursor. */
export type Page = { limit: number; cursor?: string | null };

/** `created_at` or another key; `-key` is descending. Only non-null columns qualify. */
export type Sort = { key: string; kind: "text" | "timestamp" | "number"; descending: boolean };

export const NEWEST_FIRST: Sort = { key: "created_at", kind: "timestamp", descending: true };

type Cursor = { value: string | number; id: string };

const CURSOR_VALUE = {
  timestamp: z.iso.datetime({ offset: true }),
  text: z.string(),
  number: z.number(),
};

const specOf = (sort: Sort) => `${sort.descending ? "-" : ""}${sort.key}`;

export function encodeCursor(sort: Sort, row: Record<string, unknown>): string {
  const raw = row[sort.key];
  const value =
    sort.kind === "timestamp"
      ? (raw ?? new Date(0).toISOString())
      : sort.kind === "text"
        ? String(raw)
        : Number(raw);
  return Buffer.from(JSON.stringify([specOf(sort), value, String(row.id)])).toString("base64url");
}

/** Null for no cursor; a malformed cursor, or one from another sort, is a 400. */
export function parseCursor(sort: Sort, cursor: string | undefined | null): Cursor | null {
  if (!cursor) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    decoded = null;
  }
  const parsed = z
    .tuple([z.literal(specOf(sort)), CURSOR_VALUE[sort.kind], z.uuid()])
    .safeParse(decoded);
  if (!parsed.success) {
    throw invalidRequest("query.cursor: Invalid cursor", [
      { path: "query.cursor", message: "Invalid cursor" },
    ]);
  }
  return { value: parsed.data[1], id: parsed.data[2] };
}

function keyOf(sort: Sort, alias: IdentifierSqlToken): FragmentSqlToken {
  const column = sql.fragment`${alias}.${sql.identifier([sort.key])}`;
  // In UTC, so the expression is immutable and an index can serve the order (a timestamptz's
  // date_trunc is only stable); the order is the same, cursors carry milliseconds.
  return sort.kind === "timestamp"
    ? sql.fragment`date_trunc('milliseconds', ${column} AT TIME ZONE 'UTC')`
    : column;
}

function cursorValue(sort: Sort, value: string | number): FragmentSqlToken {
  if (sort.kind === "timestamp") return sql.fragment`(${value}::timestamptz AT TIME ZONE 'UTC')`;
  if (sort.kind === "number") return sql.fragment`${value}::numeric`;
  return sql.fragment`${value}::text`;
}

/** WHERE condition for rows after the cursor (TRUE on the first page). */
export function keysetAfter(sort: Sort, cursor: Cursor | null, alias: IdentifierSqlToken) {
  if (!cursor) return sql.fragment`TRUE`;
  const row = sql.fragment`(${keyOf(sort, alias)}, ${alias}.id)`;
  const after = sql.fragment`(${cursorValue(sort, cursor.value)}, ${cursor.id}::uuid)`;
  return sort.descending ? sql.fragment`${row} < ${after}` : sql.fragment`${row} > ${after}`;
}

/** ORDER BY list matching keysetAfter. */
export function keysetOrder(sort: Sort, alias: IdentifierSqlToken): FragmentSqlToken {
  const direction = sort.descending ? sql.fragment`DESC` : sql.fragment`ASC`;
  return sql.fragment`${keyOf(sort, alias)} ${direction}, ${alias}.id ${direction}`;
}

/** Rows were fetched with LIMIT limit+1; the extra row only says there is a next page. */
export function pageOf<T extends Record<string, unknown>>(
  sort: Sort,
  rows: readonly T[],
  limit: number,
): { data: T[]; next_cursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data,
    next_cursor: rows.length > limit && last ? encodeCursor(sort, last) : null,
  };
}
