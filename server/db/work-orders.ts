import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import { WorkOrderRow } from "../../shared/schemas/work-order.ts";
import type {
  WorkOrderPriority,
  WorkOrderStatus,
  WorkOrderType,
} from "../../shared/work-order-states.ts";
import type { ListQuery } from "../http/pagination.ts";
import {
  equalityFilters,
  findRow,
  insertRow,
  listRows,
  type ResourceTable,
  updateRow,
} from "./resource-table.ts";
import { assignmentsOf, columnsOf } from "./row-values.ts";
import type { Tx } from "./tenant-context.ts";

/**
 * Work orders of the current organisation (RLS). They have no deleted_at: they are
 * history, and end by being cancelled. work_order_number and total_cost are written by
 * triggers (migration 0002), never here.
 */
const WORK_ORDERS: ResourceTable<typeof WorkOrderRow> = {
  name: "work_orders",
  alias: "w",
  row: WorkOrderRow,
  kinds: {
    custom_fields: "jsonb",
    reported_symptoms: "text[]",
    affected_floors: "int4[]",
  },
  softDeletes: false,
};

export type WorkOrderFilters = {
  status?: WorkOrderStatus[];
  priority?: WorkOrderPriority;
  type?: WorkOrderType;
  site_id?: string;
  elevator_id?: string;
  assigned_contractor_id?: string;
  parent_work_order_id?: string;
  due_before?: string;
};

export async function listWorkOrders(tx: Tx, filters: WorkOrderFilters, page: ListQuery) {
  const conditions: FragmentSqlToken[] = [];
  if (filters.status !== undefined && filters.status.length > 0) {
    conditions.push(
      sql.fragment`w.status = ANY(${sql.array(filters.status, "work_order_status")})`,
    );
  }
  conditions.push(
    ...equalityFilters("w", filters, [
      "priority",
      "type",
      "site_id",
      "elevator_id",
      "assigned_contractor_id",
      "parent_work_order_id",
    ]),
  );
  if (filters.due_before !== undefined) {
    conditions.push(sql.fragment`w.due_date < ${filters.due_before}::timestamptz`);
  }
  return listRows(tx, WORK_ORDERS, conditions, page);
}

/** `forUpdate` locks the row so concurrent transitions/assignments of it run one at a time. */
export async function findWorkOrder(
  tx: Tx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<WorkOrderRow | null> {
  return findRow(tx, WORK_ORDERS, id, options.forUpdate ? "update" : undefined);
}

export async function insertWorkOrder(
  tx: Tx,
  values: Record<string, unknown> & { organization_id: string; created_by: string },
): Promise<WorkOrderRow> {
  return insertRow(tx, WORK_ORDERS, values);
}

export async function updateWorkOrder(
  tx: Tx,
  id: string,
  values: Record<string, unknown>,
): Promise<WorkOrderRow | null> {
  return updateRow(tx, WORK_ORDERS, id, assignmentsOf(values, WORK_ORDERS.kinds));
}

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
  return tx.one(sql.type(WorkOrderRow)`
    UPDATE work_orders SET ${set} WHERE id = ${id}
    RETURNING ${columnsOf(WorkOrderRow)}`);
}

/** Sets (or clears, with null) the assignee, stamping who assigned it and when. */
export async function setWorkOrderAssignee(
  tx: Tx,
  id: string,
  contractorId: string | null,
  assignedBy: string,
): Promise<WorkOrderRow> {
  return tx.one(sql.type(WorkOrderRow)`
    UPDATE work_orders
       SET assigned_contractor_id = ${contractorId},
           assigned_at = ${contractorId === null ? null : sql.fragment`now()`},
           assigned_by = ${contractorId === null ? null : assignedBy}
     WHERE id = ${id}
    RETURNING ${columnsOf(WorkOrderRow)}`);
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
