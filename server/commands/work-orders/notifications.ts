import type { ContractorRow } from "../../../shared/resources/contractors.ts";
import type { WorkOrderRow } from "../../../shared/resources/work-orders.ts";
import type { WorkOrderStatus } from "../../../shared/work-order-states.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { notify } from "../../notifications/notify.ts";
import { notifyTenantsOfWorkOrder } from "../service-requests/notifications.ts";

/**
 * The notifications work order commands create, in the command's transaction
 * (docs/notifications.md). Dedupe keys name the change itself (its assigned_at or
 * updated_at), so a replayed request is harmless while a later, real reassignment or
 * status change notifies again.
 */

const linkTo = (wo: WorkOrderRow) => ({
  type: "work_order",
  id: wo.id,
  url: `/work-orders/${wo.id}`,
});

const STATUS_LABEL: Record<WorkOrderStatus, string> = {
  draft: "a draft",
  pending: "pending",
  scheduled: "scheduled",
  in_progress: "in progress",
  on_hold: "on hold",
  completed: "completed",
  cancelled: "cancelled",
  invoiced: "invoiced",
};

/** The contractor's own user account (when the contractor has one) learns of the assignment. */
export async function notifyAssigned(tx: Tx, wo: WorkOrderRow, contractor: ContractorRow) {
  if (!contractor.user_id || !wo.assigned_at) return;
  await notify(tx, {
    userIds: [contractor.user_id],
    type: "work_order_assigned",
    title: `${wo.work_order_number} assigned to you: ${wo.title}`,
    body: [wo.priority && `Priority: ${wo.priority}`, wo.description].filter(Boolean).join("\n"),
    link: linkTo(wo),
    dedupeKey: `work_order_assigned:${wo.id}:${contractor.id}:${wo.assigned_at}`,
    urgent: wo.priority === "emergency",
  });
}

/**
 * Everything a status change causes beyond the row itself, in the transition's
 * transaction: the work order's reporter (a user of the organisation) is told, and so are
 * the portal users of the tenant service requests linked to it (which followWorkOrder has
 * already moved; docs/tenant-portal.md).
 */
export async function workOrderStatusChanged(tx: Tx, wo: WorkOrderRow, from: WorkOrderStatus) {
  const to = wo.status ?? "draft";
  if (wo.reporter_user_id) {
    await notify(tx, {
      userIds: [wo.reporter_user_id],
      type: "work_order_status_changed",
      title: `${wo.work_order_number} is ${STATUS_LABEL[to]}: ${wo.title}`,
      body: `${wo.work_order_number} went from ${STATUS_LABEL[from]} to ${STATUS_LABEL[to]}.`,
      link: linkTo(wo),
      dedupeKey: `work_order_status_changed:${wo.id}:${to}:${wo.updated_at}`,
    });
  }
  await notifyTenantsOfWorkOrder(tx, wo);
}
