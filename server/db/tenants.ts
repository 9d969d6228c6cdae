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

/**
 * The organisation of a site the caller works for or has an enabled tenant portal at, else
 * null (migration 0095: portal users cannot read sites themselves).
 */
export async function siteOrganization(tx: Tx, siteId: string): Promise<string | null> {
  return tx.oneFirst(sql.type(z.object({ organization_id: z.string().nullable() }))`
    SELECT app_site_organization(${siteId}) AS organization_id`);
}

export const TenantElevator = z.object({
  id: z.string(),
  unit_number: z.string(),
  status: z.string().nullable(),
});
export type TenantElevator = z.infer<typeof TenantElevator>;

/** The lifts of a tenant's site as a tenant may know them; [] when the tenant is not visible. */
export async function tenantSiteElevators(tx: Tx, tenantId: string) {
  return tx.any(sql.type(TenantElevator)`
    SELECT id, unit_number, status FROM tenant_site_elevators(${tenantId})`);
}

/** One lift of the tenant's site (as above), or null. */
export async function tenantSiteElevator(tx: Tx, tenantId: string, elevatorId: string) {
  return tx.maybeOne(sql.type(TenantElevator)`
    SELECT id, unit_number, status FROM tenant_site_elevators(${tenantId})
     WHERE id = ${elevatorId}`);
}
