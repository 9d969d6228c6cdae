import { sql } from "slonik";
import { z } from "zod";
import { SiteRow } from "../../shared/schemas/site.ts";
import type { ListQuery } from "../http/pagination.ts";
import {
  equalityFilters,
  findRow,
  insertRow,
  listRows,
  type ResourceTable,
  updateRow,
} from "./resource-table.ts";
import { assignmentsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/** Sites of the current organisation (RLS); soft-deleted sites are invisible to every function. */
const SITES: ResourceTable<typeof SiteRow> = {
  name: "sites",
  alias: "s",
  row: SiteRow,
  kinds: {
    key_holder_info: "jsonb",
    health_score_components: "jsonb",
    settings: "jsonb",
    metadata: "jsonb",
  },
  softDeletes: true,
};

export type SiteFilters = {
  site_type?: string;
  city?: string;
  state?: string;
  code?: string;
};

export async function listSites(tx: Tx, filters: SiteFilters, page: ListQuery) {
  return listRows(
    tx,
    SITES,
    equalityFilters("s", filters, ["site_type", "city", "state", "code"]),
    page,
  );
}

export async function findSite(tx: Tx, id: string): Promise<SiteRow | null> {
  return findRow(tx, SITES, id);
}

export async function insertSite(
  tx: Tx,
  organizationId: string,
  values: Record<string, unknown>,
): Promise<SiteRow> {
  return insertRow(tx, SITES, { ...values, organization_id: organizationId });
}

export async function updateSite(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
): Promise<SiteRow | null> {
  return updateRow(tx, SITES, id, assignmentsOf(values, SITES.kinds));
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
