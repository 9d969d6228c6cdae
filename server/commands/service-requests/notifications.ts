import type { WorkOrderRow } from "../../../shared/resources/work-orders.ts";
import type { WorkOrderStatus } from "../../../shared/work-order-states.ts";
import { type PortalRecipient, portalRecipients } from "../../db/service-requests.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { notify } from "../../notifications/notify.ts";

/**
 * What the tenant's portal user is told (docs/tenant-portal.md, "Notifications"), in the
 * transaction of the change: a `service_request_updated` notification linking to the
 * request (never to the work order, which the tenant cannot open), e-mailed or pushed per
 * its preferences. Dedupe keys name the change (its status and the row's updated_at).
 */

/** The work as a tenant would put it; statuses a tenant need not hear about are absent. */
const WORK_FOR_TENANT: Partial<Record<WorkOrderStatus, string>> = {
  pending: "is waiting to be scheduled",
  scheduled: "is scheduled",
  in_progress: "has started",
  on_hold: "is on hold",
  completed: "is complete",
  cancelled: "was cancelled; the building will follow up",
};

const REQUEST_FOR_TENANT: Record<string, string> = {
  acknowledged: "was received by the building",
  resolved: "is resolved",
  closed: "is closed",
};

const linkTo = (r: PortalRecipient) => ({
  type: "service_request",
  id: r.id,
  url: `/service-requests/${r.id}`,
});

/** A work order transition: the portal users of the requests linked to it. */
export async function notifyTenantsOfWorkOrder(tx: Tx, wo: WorkOrderRow) {
  const status = wo.status ?? "draft";
  const words = WORK_FOR_TENANT[status];
  if (!words) return;
  for (const request of await portalRecipients(tx, { workOrderId: wo.id })) {
    const when = status === "scheduled" && wo.scheduled_start ? ` for ${wo.scheduled_start}` : "";
    await notify(tx, {
      userIds: [request.portal_user_id],
      type: "service_request_updated",
      title: `Your request "${request.subject}": the work ${words}`,
      body:
        request.status === "resolved" && request.resolution_notes
          ? request.resolution_notes
          : `The work on your request ${words}${when}.`,
      link: linkTo(request),
      dedupeKey: `service_request_work_order:${request.id}:${wo.id}:${status}:${wo.updated_at}`,
    });
  }
}

/** A staff action that changed a request's status: its tenant's portal user. */
export async function notifyTenantOfRequest(
  tx: Tx,
  request: { id: string; status: string | null; updated_at: string },
) {
  const words = REQUEST_FOR_TENANT[request.status ?? ""];
  if (!words) return;
  for (const r of await portalRecipients(tx, { requestId: request.id })) {
    await notify(tx, {
      userIds: [r.portal_user_id],
      type: "service_request_updated",
      title: `Your request "${r.subject}" ${words}`,
      body: r.resolution_notes,
      link: linkTo(r),
      dedupeKey: `service_request_status:${r.id}:${request.status}:${request.updated_at}`,
    });
  }
}
