import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

const Exists = z.object({ exists: z.boolean() });
const Staff = z.object({ staff: z.boolean() });

/** The caller is some tenant's portal user (never admitted to the dispatch board). */
export async function isTenantPortalUser(tx: Tx): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (SELECT 1 FROM tenants t WHERE t.portal_user_id = app_current_user()) AS exists`);
}

/** null when invisible; staff = the caller's organisation owns the tenant's site. */
export async function tenantAccess(tx: Tx, id: string): Promise<{ staff: boolean } | null> {
  return tx.maybeOne(sql.type(Staff)`
    SELECT EXISTS (SELECT 1 FROM sites s WHERE s.id = t.site_id) AS staff
      FROM tenants t WHERE t.id = ${id}`);
}
