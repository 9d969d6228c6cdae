import type { WorkOrderRow } from "../../../shared/resources/work-orders.ts";
import { REQUEST_STATUS_FOR_WORK_ORDER } from "../../../shared/service-request-states.ts";
import { recordAudit } from "../../audit/record.ts";
import { type FollowedRequest, followWorkOrderStatus } from "../../db/service-requests.ts";
import type { Tx } from "../../db/tenant-context.ts";
import type { CommandContext } from "../work-orders/context.ts";

/** What the tenant reads when the work order is completed and staff said nothing more. */
export const defaultResolutionNote = (wo: WorkOrderRow) =>
  `The work has been completed (work order ${wo.work_order_number}).`;

/**
 * Called by every work order transition, in its transaction: the service requests linked
 * to the work order take the status it implies (REQUEST_STATUS_FOR_WORK_ORDER: scheduled,
 * in progress or on hold → in_progress; completed → resolved with resolved_at and the
 * notes for the tenant; back to pending or cancelled → acknowledged). Closed requests stay
 * closed. Each moved request is audited in the work order's organisation (its site's);
 * the change streams to `service_request:`/`tenant:`/`site:`/`org:` through the capture
 * trigger like any other.
 */
export async function followWorkOrder(
  tx: Tx,
  ctx: CommandContext,
  wo: WorkOrderRow,
  tenantNote: string | null | undefined,
): Promise<readonly FollowedRequest[]> {
  const to = REQUEST_STATUS_FOR_WORK_ORDER[wo.status ?? "draft"];
  const notes = to === "resolved" ? (tenantNote ?? defaultResolutionNote(wo)) : null;
  const moved = await followWorkOrderStatus(tx, wo.id, to, notes);
  for (const request of moved) {
    const { previous_status: from, ...row } = request;
    await recordAudit(tx, ctx.audit, {
      organizationId: wo.organization_id,
      eventType: "user_action",
      entityType: "service_request",
      entityId: row.id,
      data: {
        action: "service_request_status_changed",
        from,
        to,
        work_order_id: wo.id,
        work_order_status: wo.status,
      },
      newState: row,
    });
  }
  return moved;
}
