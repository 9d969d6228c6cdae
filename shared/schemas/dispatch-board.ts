import { z } from "zod";
import {
  OPEN_WORK_ORDER_STATUSES,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_STATUSES,
  WORK_ORDER_TYPES,
} from "../work-order-states.ts";

/** GET /api/v1/dispatch-board (docs/dispatch-board.md): one card per open work order. */
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

export const DispatchBoard = z.object({ columns: z.array(DispatchColumn) });
export type DispatchBoard = z.infer<typeof DispatchBoard>;
