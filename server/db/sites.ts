import { sql } from "slonik";
import { z } from "zod";
import { SiteRow } from "../../shared/schemas/site.ts";
import {
  keysetAfter,
  keysetOrder,
  type ListQuery,
  pageOf,
  parseCursor,
} from "../http/pagination.ts";
import { assignmentsOf, type ColumnKinds, columnsOf, insertParts } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Sites of the current organisation (RLS); soft-deleted sites are invisible to every function. */
const KINDS: ColumnKinds = {
  key_holder_info: "jsonb",
  health_score_components: "jsonb",
  settings: "jsonb",
  metadata: "jsonb",
};
const S = sql.identifier(["s"]);

export type SiteFilters = {
  site_type?: string;
  city?: string;
  state?: string;
  code?: string;
};

export async function listSites(tx: Tx, filters: SiteFilters, page: ListQuery) {
  const after = parseCursor(page.cursor);
  const conditions = [
    sql.fragment`s.deleted_at IS NULL`,
    keysetAfter(after, S),
    filters.site_type !== undefined ? sql.fragment`s.site_type = ${filters.site_type}` : null,
    filters.city !== undefined ? sql.fragment`s.city = ${filters.city}` : null,
    filters.state !== undefined ? sql.fragment`s.state = ${filters.state}` : null,
    filters.code !== undefined ? sql.fragment`s.code = ${filters.code}` : null,
  ].filter((c) => c !== null);
  const rows = await tx.any(sql.type(SiteRow)`
    SELECT ${columnsOf(SiteRow, "s")} FROM sites s
     WHERE ${sql.join(conditions, sql.fragment` AND `)}
     ORDER BY ${keysetOrder(S)}
     LIMIT ${page.limit + 1}`);
  return pageOf(rows, page.limit);
}

export async function findSite(tx: Tx, id: string): Promise<SiteRow | null> {
  return tx.maybeOne(sql.type(SiteRow)`
    SELECT ${columnsOf(SiteRow)} FROM sites WHERE id = ${id} AND deleted_at IS NULL`);
}

export async function insertSite(
  tx: Tx,
  organizationId: string,
  values: Record<string, unknown>,
): Promise<SiteRow> {
  const parts = insertParts({ ...values, organization_id: organizationId }, KINDS);
  return tx.one(sql.type(SiteRow)`
    INSERT INTO sites (${parts.columns}) VALUES (${parts.values})
    RETURNING ${columnsOf(SiteRow)}`);
}

export async function updateSite(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
): Promise<SiteRow | null> {
  const set = assignmentsOf(values, KINDS);
  if (!set) return findSite(tx, id);
  return tx.maybeOne(sql.type(SiteRow)`
    UPDATE sites SET ${set} WHERE id = ${id} AND deleted_at IS NULL
    RETURNING ${columnsOf(SiteRow)}`);
}

/**
 * Soft-deletes the site and, in the same statement, its elevators: an elevator of a
 * building that is gone should not keep showing up in lists. Work orders are history and
 * stay as they are.
 */
export async function softDeleteSite(
  tx: Tx,
  id: string,
): Promise<{ id: string; elevators_deleted: number } | null> {
  return tx.maybeOne(sql.type(z.object({ id: z.string(), elevators_deleted: z.number() }))`
    WITH site AS (
      UPDATE sites SET deleted_at = now() WHERE id = ${id} AND deleted_at IS NULL RETURNING id
    ), lifts AS (
      UPDATE elevators SET deleted_at = now()
       WHERE site_id IN (SELECT id FROM site) AND deleted_at IS NULL RETURNING id
    )
    SELECT site.id, (SELECT count(*) FROM lifts) AS elevators_deleted FROM site`);
}
