import { type FragmentSqlToken, sql } from "slonik";
import { z } from "zod";
import type { DispatchCard, DispatchColumn } from "../../shared/schemas/dispatch-board.ts";
import {
  OPEN_WORK_ORDER_STATUSES,
  type OpenWorkOrderStatus,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_TYPES,
  type WorkOrderPriority,
} from "../../shared/work-order-states.ts";
import type { Tx } from "./tenant-context.ts";

export type DispatchFilters = {
  site_id?: string;
  priority?: WorkOrderPriority;
  limit_per_status: number;
};

/** One row of dispatch_board(): a card, or only status + count for an empty column. */
const BoardRow = z.object({
  status: z.enum(OPEN_WORK_ORDER_STATUSES),
  count: z.number(),
  id: z.string().nullable(),
  work_order_number: z.string().nullable(),
  title: z.string().nullable(),
  priority: z.enum(WORK_ORDER_PRIORITIES).nullable(),
  type: z.enum(WORK_ORDER_TYPES).nullable(),
  due_date: z.string().nullable(),
  scheduled_start: z.string().nullable(),
  site_id: z.string().nullable(),
  site_name: z.string().nullable(),
  elevator_id: z.string().nullable(),
  unit_number: z.string().nullable(),
  assignee_id: z.string().nullable(),
  assignee_name: z.string().nullable(),
});
type BoardRow = z.infer<typeof BoardRow>;

/**
 * The dispatch board in one round trip: for each open status, its count and its first
 * `limit_per_status` work orders (emergency first, then earliest due date), each with its
 * site, elevator and assignee.
 *
 * The statement lives in the plpgsql function dispatch_board() (migrations 0041/0042) so
 * that its plan is cached per connection; see docs/dispatch-board.md for the index
 * strategy under RLS. It runs as the caller, so row-level security applies as for any
 * query here. It returns flat rows; grouping them here is cheaper than JSON in SQL.
 */
export function dispatchBoardQuery(filters: DispatchFilters): FragmentSqlToken {
  const priority =
    filters.priority === undefined
      ? sql.fragment`NULL::work_order_priority`
      : sql.fragment`${filters.priority}::work_order_priority`;
  return sql.fragment`
    SELECT * FROM dispatch_board(${filters.site_id ?? null}::uuid, ${priority}, ${filters.limit_per_status}::int)`;
}

function cardOf(row: BoardRow, status: OpenWorkOrderStatus): DispatchCard | null {
  if (
    row.id === null ||
    row.work_order_number === null ||
    row.title === null ||
    row.type === null
  ) {
    return null;
  }
  return {
    id: row.id,
    work_order_number: row.work_order_number,
    title: row.title,
    status,
    priority: row.priority,
    type: row.type,
    due_date: row.due_date,
    scheduled_start: row.scheduled_start,
    site: row.site_id === null ? null : { id: row.site_id, name: row.site_name ?? "" },
    elevator:
      row.elevator_id === null ? null : { id: row.elevator_id, unit_number: row.unit_number ?? "" },
    assignee:
      row.assignee_id === null
        ? null
        : { id: row.assignee_id, contact_name: row.assignee_name ?? "" },
  };
}

export async function dispatchBoard(tx: Tx, filters: DispatchFilters): Promise<DispatchColumn[]> {
  const rows = await tx.any(sql.type(BoardRow)`${dispatchBoardQuery(filters)}`);
  const columns = new Map<OpenWorkOrderStatus, DispatchColumn>(
    OPEN_WORK_ORDER_STATUSES.map((status) => [status, { status, count: 0, work_orders: [] }]),
  );
  for (const row of rows) {
    const column = columns.get(row.status);
    if (!column) continue;
    column.count = row.count;
    const card = cardOf(row, row.status);
    if (card) column.work_orders.push(card);
  }
  return [...columns.values()];
}
