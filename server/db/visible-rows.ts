import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

/**
 * Whether a row exists for the caller: the RLS policies decide (run it inside withTenant),
 * plus what each table counts as gone. Realtime admission (a topic names a row) and
 * message contexts (a message links a row) both ask exactly this, so "visible" means what
 * the REST API would show the same caller.
 */
const LIVE = {
  sites: sql.fragment`deleted_at IS NULL`,
  elevators: sql.fragment`deleted_at IS NULL`,
  work_orders: sql.fragment`TRUE`,
  service_requests: sql.fragment`TRUE`,
  tenants: sql.fragment`TRUE`,
  // RLS already hides a retired category from all but its moderators, who still see it.
  forum_categories: sql.fragment`TRUE`,
  forum_threads: sql.fragment`deleted_at IS NULL`,
  job_listings: sql.fragment`TRUE`,
  job_applications: sql.fragment`TRUE`,
} satisfies Record<string, FragmentSqlToken>;

export type VisibleTable = keyof typeof LIVE;

const Exists = z.object({ exists: z.boolean() });

export async function rowVisible(tx: Tx, table: VisibleTable, id: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM ${sql.identifier([table])} WHERE id = ${id} AND ${LIVE[table]}) AS exists`);
}
