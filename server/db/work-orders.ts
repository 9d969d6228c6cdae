import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { type WorkOrderRow, workOrders } from "../../shared/resources/work-orders.ts";
import type { WorkOrderStatus } from "../../shared/work-order-states.ts";
import { columnsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * The domain SQL of work orders: status moves, assignment and the ancestry check. Reads and
 * plain writes come from the definition (shared/resources/work-orders.ts, resource-rows.ts).
 * work_order_number and total_cost are written by triggers (migration 0002), never here.
 */
const WorkOrderRowSchema = workOrders.row;

/**
 * Moves a work order to `to` and stamps the timestamps that go with it:
 * → in_progress sets actual_start once (the first start is kept); reopening a completed
 * one clears actual_end and completed_at; → completed sets actual_end and completed_at.
 */
export async function setWorkOrderStatus(
  tx: Tx,
  id: string,
  from: WorkOrderStatus,
  to: WorkOrderStatus,
): Promise<WorkOrderRow> {
  const stamps: FragmentSqlToken[] = [];
  if (to === "in_progress") {
    stamps.push(sql.fragment`actual_start = coalesce(actual_start, now())`);
    if (from === "completed") stamps.push(sql.fragment`actual_end = NULL, completed_at = NULL`);
  }
  if (to === "completed") stamps.push(sql.fragment`actual_end = now(), completed_at = now()`);
  const set = sql.join([sql.fragment`status = ${to}`, ...stamps], sql.fragment`, `);
  return tx.one(sql.type(WorkOrderRowSchema)`
    UPDATE work_orders SET ${set} WHERE id = ${id}
    RETURNING ${columnsOf(WorkOrderRowSchema)}`);
}

/** Sets (or clears, with null) the assignee, stamping who assigned it and when. */
export async function setWorkOrderAssignee(
  tx: Tx,
  id: string,
  contractorId: string | null,
  assignedBy: string,
): Promise<WorkOrderRow> {
  return tx.one(sql.type(WorkOrderRowSchema)`
    UPDATE work_orders
       SET assigned_contractor_id = ${contractorId},
           assigned_at = ${contractorId === null ? null : sql.fragment`now()`},
           assigned_by = ${contractorId === null ? null : assignedBy}
     WHERE id = ${id}
    RETURNING ${columnsOf(WorkOrderRowSchema)}`);
}

/**
 * True when making `parentId` the parent of `childId` would close a loop (the parent is the
 * child itself or one of its descendants). Bounded depth: follow-up chains are short.
 */
export async function wouldCreateCycle(
  tx: Tx,
  childId: string,
  parentId: string,
): Promise<boolean> {
  return tx.oneFirst(sql.type(z.object({ cycle: z.boolean() }))`
    WITH RECURSIVE ancestors(id, depth) AS (
      SELECT ${parentId}::uuid, 0
      UNION ALL
      SELECT w.parent_work_order_id, a.depth + 1
        FROM ancestors a JOIN work_orders w ON w.id = a.id
       WHERE w.parent_work_order_id IS NOT NULL AND a.depth < 100
    )
    SELECT EXISTS (SELECT 1 FROM ancestors WHERE id = ${childId}) AS cycle`);
}
