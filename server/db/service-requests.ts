import { sql } from "slonik";
import { z } from "zod";
import { serviceRequests } from "../../shared/resources/service-requests.ts";
import type { ServiceRequestStatus } from "../../shared/service-request-states.ts";
import { columnsOf } from "./row-values.ts";
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

/** Whether the caller is the portal user of the request's tenant (RLS decides the rest). */
export async function isRequestTenantPortalUser(tx: Tx, requestId: string): Promise<boolean> {
  return tx.oneFirst(sql.type(Exists)`
    SELECT EXISTS (
      SELECT 1 FROM service_requests sr JOIN tenants t ON t.id = sr.tenant_id
       WHERE sr.id = ${requestId} AND t.portal_user_id = app_current_user()) AS exists`);
}

const Followed = serviceRequests.row.extend({ previous_status: z.string().nullable() });
export type FollowedRequest = z.infer<typeof Followed>;

/**
 * Moves the requests linked to a work order to `to` (docs/tenant-portal.md, "Status"):
 * locked first, closed ones and those already there left alone. Resolving stamps
 * resolved_at and the notes for the tenant; leaving `resolved` (a reopened work order)
 * clears both, since they described a resolution that no longer holds. Runs under the
 * caller's RLS, in the work order transition's transaction.
 */
export async function followWorkOrderStatus(
  tx: Tx,
  workOrderId: string,
  to: ServiceRequestStatus,
  notes: string | null,
): Promise<readonly FollowedRequest[]> {
  const resolved = to === "resolved";
  return tx.any(sql.type(Followed)`
    WITH linked AS (
      SELECT id, status FROM service_requests
       WHERE assigned_work_order_id = ${workOrderId}
         AND status IS DISTINCT FROM 'closed' AND status IS DISTINCT FROM ${to}
       ORDER BY id
       FOR UPDATE
    )
    UPDATE service_requests sr
       SET status = ${to},
           resolved_at = ${resolved ? sql.fragment`now()` : sql.fragment`NULL`},
           resolution_notes = ${resolved ? notes : null}
      FROM linked
     WHERE sr.id = linked.id
    RETURNING ${columnsOf(serviceRequests.row, "sr")}, linked.status AS previous_status`);
}

const PortalRecipient = z.object({
  id: z.string(),
  subject: z.string(),
  status: z.string().nullable(),
  resolution_notes: z.string().nullable(),
  portal_user_id: z.string(),
});
export type PortalRecipient = z.infer<typeof PortalRecipient>;

/**
 * The requests (one by id, or those linked to a work order, closed ones left out) whose
 * tenant has an enabled portal, with its portal user: who a change is told to. Read under
 * the acting staff member's RLS.
 */
export async function portalRecipients(
  tx: Tx,
  of: { requestId: string } | { workOrderId: string },
): Promise<readonly PortalRecipient[]> {
  const which =
    "requestId" in of
      ? sql.fragment`sr.id = ${of.requestId}`
      : sql.fragment`sr.assigned_work_order_id = ${of.workOrderId}
                     AND sr.status IS DISTINCT FROM 'closed'`;
  return tx.any(sql.type(PortalRecipient)`
    SELECT sr.id, sr.subject, sr.status, sr.resolution_notes, t.portal_user_id
      FROM service_requests sr JOIN tenants t ON t.id = sr.tenant_id
     WHERE ${which}
       AND t.portal_user_id IS NOT NULL AND t.portal_enabled AND t.is_active
     ORDER BY sr.id`);
}
