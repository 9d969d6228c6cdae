import { z } from "zod";
import { isoTimestamp, jsonObject, money, text } from "../../../shared/schemas/fields.ts";
import {
  WORK_ORDER_INITIAL_STATUSES,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_STATUSES,
  WORK_ORDER_TYPES,
} from "../../../shared/work-order-states.ts";
import { ListQuery } from "../../http/pagination.ts";

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

/**
 * Fields a client may write. Not here on purpose (so a PATCH naming them is a 400):
 * status (transitions), work_order_number (trigger), organization_id, site_id/elevator_id
 * (fixed at creation), assignment (POST /assign), total_cost (trigger), ai_* (diagnosis).
 */
const workOrderFields = {
  type: z.enum(WORK_ORDER_TYPES),
  priority: z.enum(WORK_ORDER_PRIORITIES),
  title: text(255),
  description: opt(z.string().max(20_000)),
  fault_code: opt(text(50)),
  reported_symptoms: opt(z.array(z.string().max(1000)).max(100)),
  affected_floors: opt(z.array(z.number().int().min(-20).max(300)).max(300)),
  reported_at: isoTimestamp,
  scheduled_start: opt(isoTimestamp),
  scheduled_end: opt(isoTimestamp),
  due_date: opt(isoTimestamp),
  reported_by_name: opt(text(255)),
  reported_by_phone: opt(text(50)),
  reported_by_email: opt(z.email().max(255)),
  reporter_user_id: opt(z.uuid()),
  resolution_notes: opt(z.string().max(20_000)),
  root_cause: opt(z.string().max(20_000)),
  resolution_type: opt(text(50)),
  parts_cost: money,
  labor_cost: money,
  requires_followup: z.boolean(),
  followup_notes: opt(z.string().max(20_000)),
  parent_work_order_id: opt(z.uuid()),
  custom_fields: jsonObject,
};

export const CreateWorkOrderBody = z.strictObject({
  ...workOrderFields,
  site_id: z.uuid(),
  elevator_id: z.uuid(),
  status: z.enum(WORK_ORDER_INITIAL_STATUSES).optional(),
  priority: workOrderFields.priority.optional(),
  reported_at: workOrderFields.reported_at.optional(),
  parts_cost: workOrderFields.parts_cost.optional(),
  labor_cost: workOrderFields.labor_cost.optional(),
  requires_followup: workOrderFields.requires_followup.optional(),
  custom_fields: workOrderFields.custom_fields.optional(),
});

export const UpdateWorkOrderBody = z.strictObject(workOrderFields).partial();

export const TransitionBody = z.strictObject({
  to: z.enum(WORK_ORDER_STATUSES),
  reason: z.string().trim().max(2000).nullable().optional(),
});

export const AssignBody = z.strictObject({ contractor_id: z.uuid().nullable() });

/** `?status=pending,scheduled` takes one status or a comma-separated list. */
const statusList = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()))
  .pipe(z.array(z.enum(WORK_ORDER_STATUSES)).min(1).max(8));

export const ListWorkOrdersQuery = ListQuery.extend({
  status: statusList.optional(),
  priority: z.enum(WORK_ORDER_PRIORITIES).optional(),
  type: z.enum(WORK_ORDER_TYPES).optional(),
  site_id: z.uuid().optional(),
  elevator_id: z.uuid().optional(),
  assigned_contractor_id: z.uuid().optional(),
  parent_work_order_id: z.uuid().optional(),
  due_before: isoTimestamp.optional(),
});
