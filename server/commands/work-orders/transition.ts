import type { AuditEventType } from "../../../shared/audit-events.ts";
import { workOrders } from "../../../shared/resources/work-orders.ts";
import { canTransition, type WorkOrderStatus } from "../../../shared/work-order-states.ts";
import { recordAudit } from "../../audit/record.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { setWorkOrderStatus } from "../../db/work-orders.ts";
import { conflict, notFound } from "../../errors.ts";
import { followWorkOrder } from "../service-requests/follow-work-order.ts";
import type { CommandContext } from "./context.ts";
import { workOrderStatusChanged } from "./notifications.ts";

function eventFor(to: WorkOrderStatus): AuditEventType {
  if (to === "in_progress") return "work_order_started";
  if (to === "completed") return "work_order_completed";
  if (to === "cancelled") return "work_order_cancelled";
  return "work_order_updated";
}

/**
 * One step of the state machine in shared/work-order-states.ts. The row is locked first
 * (SELECT ... FOR UPDATE), so two racing transitions are decided one after the other and
 * the second is judged against the status the first left behind.
 */
export async function transitionWorkOrder(
  tx: Tx,
  ctx: CommandContext,
  id: string,
  input: { to: WorkOrderStatus; reason?: string | null; tenant_note?: string | null },
) {
  const before = await rowsOf(workOrders).find(tx, id, "update");
  if (!before) throw notFound("Work order");
  const from = before.status ?? "draft";
  if (!canTransition(from, input.to)) {
    throw conflict(`A work order cannot go from ${from} to ${input.to}`);
  }
  const after = await setWorkOrderStatus(tx, id, from, input.to);
  await recordAudit(tx, ctx.audit, {
    organizationId: after.organization_id,
    eventType: eventFor(input.to),
    entityType: "work_order",
    entityId: id,
    data: { from, to: input.to, reason: input.reason ?? null, reopened: from === "completed" },
    previousState: { status: from },
    newState: {
      status: after.status,
      actual_start: after.actual_start,
      actual_end: after.actual_end,
      completed_at: after.completed_at,
    },
  });
  // Linked tenant requests follow, in this transaction (docs/tenant-portal.md).
  await followWorkOrder(tx, ctx, after, input.tenant_note);
  await workOrderStatusChanged(tx, after, from);
  return after;
}
