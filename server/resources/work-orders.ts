import { elevators } from "../../shared/resources/elevators.ts";
import { workOrders } from "../../shared/resources/work-orders.ts";
import { queueDiagnosis, wantsAutomaticDiagnosis } from "../commands/work-orders/diagnose.ts";
import { rowsOf } from "../db/resource-rows.ts";
import { wouldCreateCycle } from "../db/work-orders.ts";
import { unprocessable } from "../errors.ts";
import { serve } from "./rules.ts";

/**
 * Domain rules of work orders' plain routes (the references are checked by the definition
 * first: site, elevator, parent and reporter must be visible rows of the organisation).
 * Transitions and assignment are commands (server/commands/work-orders/).
 */
export const workOrderRules = serve(workOrders, {
  async beforeCreate({ tx }, body) {
    const elevator = await rowsOf(elevators).find(tx, body.elevator_id);
    if (elevator?.site_id !== body.site_id) {
      throw unprocessable("elevator_id does not belong to the given site_id");
    }
    return undefined;
  },
  // Callbacks and follow-ups link to an earlier work order, never in a loop.
  async beforeUpdate({ tx }, { id, body }) {
    const parentId = body.parent_work_order_id;
    if (!parentId) return undefined;
    if (parentId === id) {
      throw unprocessable("parent_work_order_id cannot be the work order itself");
    }
    if (await wouldCreateCycle(tx, id, parentId)) {
      throw unprocessable("parent_work_order_id would make the work order its own ancestor");
    }
    return undefined;
  },
  // A breakdown or callback that says what is wrong is diagnosed without being asked.
  async afterCreate(ctx, row) {
    if (wantsAutomaticDiagnosis(row)) await queueDiagnosis(ctx.tx, ctx, row, "automatic");
  },
  auditCreated: (row) => ({ work_order_number: row.work_order_number, status: row.status }),
});
