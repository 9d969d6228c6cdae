import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import {
  OPEN_WORK_ORDER_STATUSES,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_STATUSES,
  WORK_ORDER_TYPES,
  type WorkOrderPriority,
} from "../../shared/work-order-states.ts";
import type { Tx } from "./tenant-context.ts";

export const DispatchCard = z.object({
  id: z.string(),
  work_order_number: z.string(),
  title: z.string(),
  status: z.enum(WORK_ORDER_STATUSES),
  priority: z.enum(WORK_ORDER_PRIORITIES).nullable(),
  type: z.enum(WORK_ORDER_TYPES),
  due_date: z.string().nullable(),
  scheduled_start: z.string().nullable(),
  site: z.object({ id: z.string(), name: z.string() }).nullable(),
  elevator: z.object({ id: z.string(), unit_number: z.string() }).nullable(),
  assignee: z.object({ id: z.string(), contact_name: z.string() }).nullable(),
});
export type DispatchCard = z.infer<typeof DispatchCard>;

export const DispatchColumn = z.object({
  status: z.enum(OPEN_WORK_ORDER_STATUSES),
  count: z.number(),
  work_orders: z.array(DispatchCard),
});
export type DispatchColumn = z.infer<typeof DispatchColumn>;

export type DispatchFilters = {
  site_id?: string;
  priority?: WorkOrderPriority;
  limit_per_status: number;
};

/**
 * The dispatch board in one round trip: for each open status, its count and its first
 * `limit_per_status` work orders (emergency first, then earliest due date), each with its
 * site, elevator and assignee.
 *
 * The statement lives in the plpgsql function dispatch_board() (migration 0041) so that
 * its plan is cached per connection; see that migration for the index strategy under RLS.
 * It runs as the caller, so row-level security applies as for any query here.
 */
export function dispatchBoardQuery(filters: DispatchFilters): FragmentSqlToken {
  const priority =
    filters.priority === undefined
      ? sql.fragment`NULL::work_order_priority`
      : sql.fragment`${filters.priority}::work_order_priority`;
  return sql.fragment`
    SELECT status, count, work_orders
      FROM dispatch_board(${filters.site_id ?? null}::uuid, ${priority}, ${filters.limit_per_status}::int)`;
}

export async function dispatchBoard(tx: Tx, filters: DispatchFilters): Promise<DispatchColumn[]> {
  const rows = await tx.any(sql.type(DispatchColumn)`${dispatchBoardQuery(filters)}`);
  return [...rows];
}
