import { z } from "zod";
import {
  WORK_ORDER_INITIAL_STATUSES,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_STATUSES,
  WORK_ORDER_TYPES,
} from "../work-order-states.ts";
import { col } from "./columns.ts";
import { defineResource, filter } from "./define.ts";

/**
 * Work orders (docs/work-orders.md). No DELETE: a work order is history and ends by being
 * cancelled. Not writable on purpose (a body naming them is a 400): status after creation
 * (transitions), work_order_number and total_cost (triggers), organization_id, site_id and
 * elevator_id after creation, assignment (POST /assign), ai_* (diagnosis). Money is an
 * exact decimal string. Domain rules and actions: server/resources/work-orders.ts, commands/.
 */
export const workOrders = defineResource({
  table: "work_orders",
  entity: "work_order",
  realtime: "work_order",
  scope: "organization",
  createdBy: "created_by",
  permissions: { read: "work_orders:read", write: "work_orders:write" },
  references: {
    site_id: "sites",
    elevator_id: "elevators",
    parent_work_order_id: "work_orders",
    reporter_user_id: "users",
  },
  audit: { created: "work_order_created", updated: "work_order_updated" },
  filters: {
    status: filter.anyOf(WORK_ORDER_STATUSES, "work_order_status"),
    priority: filter.eq(z.enum(WORK_ORDER_PRIORITIES)),
    type: filter.eq(z.enum(WORK_ORDER_TYPES)),
    site_id: filter.eq(z.uuid()),
    elevator_id: filter.eq(z.uuid()),
    assigned_contractor_id: filter.eq(z.uuid()),
    parent_work_order_id: filter.eq(z.uuid()),
    due_before: filter.before("due_date"),
  },
  sort: { work_order_number: "text", updated_at: "timestamp" },
  columns: {
    id: col.id(),
    organization_id: col.id(),
    elevator_id: col.uuid().required().createOnly(),
    site_id: col.uuid().required().createOnly(),
    work_order_number: col.text(20).notNull().readOnly(),
    type: col.enum(WORK_ORDER_TYPES).required(),
    priority: col.enum(WORK_ORDER_PRIORITIES).hasDefault(),
    // Later statuses are reached by transitions.
    status: col
      .enum(WORK_ORDER_STATUSES)
      .write(z.enum(WORK_ORDER_INITIAL_STATUSES))
      .hasDefault()
      .createOnly(),
    title: col.text(255).required(),
    description: col.string(20_000),
    fault_code: col.text(50),
    reported_symptoms: col.textArray(100, 1000),
    affected_floors: col.intArray(300).write(z.array(z.number().int().min(-20).max(300)).max(300)),
    reported_at: col.timestamp().hasDefault(),
    scheduled_start: col.timestamp(),
    scheduled_end: col.timestamp(),
    actual_start: col.timestamp().readOnly(),
    actual_end: col.timestamp().readOnly(),
    due_date: col.timestamp(),
    assigned_contractor_id: col.uuid().readOnly(),
    assigned_at: col.timestamp().readOnly(),
    assigned_by: col.uuid().readOnly(),
    reported_by_name: col.text(255),
    reported_by_phone: col.text(50),
    reported_by_email: col.email(),
    reporter_user_id: col.uuid(),
    ai_diagnosis_id: col.uuid().readOnly(),
    ai_suggested_causes: col.textArray().readOnly(),
    ai_suggested_parts: col.textArray().readOnly(),
    ai_confidence: col.decimal().readOnly(),
    ai_diagnosis_at: col.timestamp().readOnly(),
    resolution_notes: col.string(20_000),
    root_cause: col.string(20_000),
    resolution_type: col.text(50),
    parts_cost: col.money().hasDefault(),
    labor_cost: col.money().hasDefault(),
    total_cost: col.money().readOnly(),
    requires_followup: col.bool().hasDefault(),
    followup_notes: col.string(20_000),
    parent_work_order_id: col.uuid(),
    custom_fields: col.json().hasDefault(),
    created_by: col.id(),
    created_at: col.timestamp().notNull().readOnly(),
    updated_at: col.timestamp().notNull().readOnly(),
    completed_at: col.timestamp().readOnly(),
  },
});
export type WorkOrderRow = z.infer<typeof workOrders.row>;
