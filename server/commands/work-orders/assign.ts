import { contractors } from "../../../shared/resources/contractors.ts";
import { workOrders } from "../../../shared/resources/work-orders.ts";
import type { WorkOrderStatus } from "../../../shared/work-order-states.ts";
import { recordAudit } from "../../audit/record.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import type { Tx } from "../../db/tenant-context.ts";
import { setWorkOrderAssignee } from "../../db/work-orders.ts";
import { conflict, notFound, unprocessable } from "../../errors.ts";
import type { CommandContext } from "./context.ts";
import { notifyAssigned } from "./notifications.ts";

/** Finished work keeps the assignee it was done by. */
const ASSIGNABLE: readonly WorkOrderStatus[] = [
  "draft",
  "pending",
  "scheduled",
  "in_progress",
  "on_hold",
];

/**
 * Assigns a contractor (or clears the assignee with null). The contractor must be visible
 * under RLS (same organisation), not deleted and active; it is read FOR SHARE so it cannot
 * be deactivated between the check and the commit.
 */
export async function assignWorkOrder(
  tx: Tx,
  ctx: CommandContext,
  id: string,
  contractorId: string | null,
) {
  const before = await rowsOf(workOrders).find(tx, id, "update");
  if (!before) throw notFound("Work order");
  if (!ASSIGNABLE.includes(before.status ?? "draft")) {
    throw conflict(`A ${before.status} work order cannot be reassigned`);
  }
  let contractor = null;
  if (contractorId !== null) {
    contractor = await rowsOf(contractors).find(tx, contractorId, "share");
    if (!contractor) {
      throw unprocessable("contractor_id does not refer to a contractor of this organisation");
    }
    if (contractor.is_active !== true) throw unprocessable("The contractor is not active");
  }
  const after = await setWorkOrderAssignee(tx, id, contractorId, ctx.principal.userId);
  await recordAudit(tx, ctx.audit, {
    organizationId: after.organization_id,
    eventType: "work_order_assigned",
    entityType: "work_order",
    entityId: id,
    data: { from: before.assigned_contractor_id, to: contractorId },
    previousState: { assigned_contractor_id: before.assigned_contractor_id },
    newState: {
      assigned_contractor_id: after.assigned_contractor_id,
      assigned_at: after.assigned_at,
      assigned_by: after.assigned_by,
    },
  });
  // Reassigning to the same contractor tells nobody anything new.
  if (contractor && before.assigned_contractor_id !== contractorId) {
    await notifyAssigned(tx, after, contractor);
  }
  return after;
}
