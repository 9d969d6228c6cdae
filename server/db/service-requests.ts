import { sql } from "slonik";
import { z } from "zod";
import type { Tx } from "./tenant-context.ts";

const Exists = z.object({ exists: z.boolean() });
const Staff = z.object({ staff: z.boolean() });

/** null when invisible; staff = the caller's organisation owns the request's site. */
export async function serviceRequestAccess(tx: Tx, id: string): Promise<{ staff: boolean } | null> {
  return tx.maybeOne(sql.type(Staff)`
    SELECT EXISTS (SELECT 1 FROM sites s WHERE s.id = sr.site_id) AS staff
      FROM service_requests sr WHERE sr.id = ${id}`);
}

/** The caller is the portal user of a tenant whose service request is linked to the work order. */
export async function workOrderLinkedToMyServiceRequest(
  tx: Tx,
  workOrderId: string,
): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM service_requests sr JOIN tenants t ON t.id = sr.tenant_id
       WHERE sr.assigned_work_order_id = ${workOrderId}
         AND t.portal_user_id = app_current_user()) AS exists`);
}
