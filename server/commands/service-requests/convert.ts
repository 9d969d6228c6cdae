import { z } from "zod";
import {
  type ServiceRequestRow,
  serviceRequests,
} from "../../../shared/resources/service-requests.ts";
import { tenants } from "../../../shared/resources/tenants.ts";
import { type WorkOrderRow, workOrders } from "../../../shared/resources/work-orders.ts";
import { isoTimestamp, text } from "../../../shared/schemas/fields.ts";
import {
  REQUEST_STATUS_FOR_WORK_ORDER,
  WORK_ORDER_PRIORITY_FOR_REQUEST,
} from "../../../shared/service-request-states.ts";
import {
  WORK_ORDER_INITIAL_STATUSES,
  WORK_ORDER_PRIORITIES,
  WORK_ORDER_TYPES,
} from "../../../shared/work-order-states.ts";
import { principalCan } from "../../auth/access.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import { conflict, forbidden, notFound, unprocessable } from "../../errors.ts";
import type { ResourceContext } from "../../resources/rules.ts";
import { createResource } from "../../resources/service.ts";
import { workOrderRules } from "../../resources/work-orders.ts";
import { auditRequest, lockForStaff, requests } from "./record.ts";

/** What staff may say about the work order a request becomes; the rest comes from the request. */
export const ConvertBody = z.strictObject({
  type: z.enum(WORK_ORDER_TYPES).default("breakdown"),
  /** Required when the request names no lift. */
  elevator_id: z.uuid().optional(),
  title: text(255).optional(),
  description: z.string().max(20_000).nullable().optional(),
  /** Defaults from the request's priority (low → low, normal → medium, high, urgent → emergency). */
  priority: z.enum(WORK_ORDER_PRIORITIES).optional(),
  status: z.enum(WORK_ORDER_INITIAL_STATUSES).default("pending"),
  scheduled_start: isoTimestamp.optional(),
  due_date: isoTimestamp.optional(),
});
export type ConvertInput = z.output<typeof ConvertBody>;

export const Converted = z.object({
  service_request: serviceRequests.row,
  work_order: workOrders.row,
});

/**
 * Turns a request into a work order of the site's organisation, made through the work
 * order definition (its references, rules, audit event and automatic diagnosis), and links
 * it: from now on the work order's transitions drive the request's status. A request
 * whose linked work order was cancelled may be converted again.
 */
export async function convertToWorkOrder(
  ctx: ResourceContext,
  id: string,
  input: ConvertInput,
): Promise<{ service_request: ServiceRequestRow; work_order: WorkOrderRow }> {
  if (!principalCan(ctx.principal, "work_orders:write")) {
    throw forbidden("Converting a service request needs work_orders:write");
  }
  const before = await lockForStaff(ctx, id);
  const status = before.status ?? "open";
  if (status !== "open" && status !== "acknowledged") {
    throw conflict(`A ${status} service request cannot be converted into a work order`);
  }
  if (before.assigned_work_order_id) {
    const linked = await rowsOf(workOrders).find(ctx.tx, before.assigned_work_order_id);
    if (linked && linked.status !== "cancelled") {
      throw conflict(`This service request is already work order ${linked.work_order_number}`);
    }
  }
  const elevatorId = input.elevator_id ?? before.elevator_id;
  if (!elevatorId) throw unprocessable("elevator_id is required: the request names no lift");
  const tenant = await rowsOf(tenants).find(ctx.tx, before.tenant_id);
  const body = workOrders.create.safeParse({
    site_id: before.site_id,
    elevator_id: elevatorId,
    type: input.type,
    status: input.status,
    priority: input.priority ?? WORK_ORDER_PRIORITY_FOR_REQUEST[before.priority ?? "normal"],
    title: input.title ?? before.subject,
    description: input.description === undefined ? before.description : input.description,
    reported_at: before.created_at,
    scheduled_start: input.scheduled_start,
    due_date: input.due_date,
    reported_by_name: tenant?.primary_contact_name ?? tenant?.name ?? undefined,
    reported_by_email: tenant?.primary_contact_email ?? undefined,
    reported_by_phone: tenant?.primary_contact_phone ?? undefined,
  });
  if (!body.success) {
    throw unprocessable(`The work order cannot be made: ${body.error.issues[0]?.message}`);
  }
  const workOrder = await createResource(ctx, workOrderRules, body.data);
  const after = await requests.update(ctx.tx, id, {
    assigned_work_order_id: workOrder.id,
    status: REQUEST_STATUS_FOR_WORK_ORDER[workOrder.status ?? "draft"],
  });
  if (!after) throw notFound("Service request");
  await auditRequest(ctx, "service_request_converted", before, after, {
    work_order_id: workOrder.id,
    work_order_number: workOrder.work_order_number,
  });
  return { service_request: after, work_order: workOrder };
}
