import type { ServiceRequestRow } from "../../../shared/resources/service-requests.ts";
import { workOrders } from "../../../shared/resources/work-orders.ts";
import {
  SERVICE_REQUEST_OPEN_STATUSES,
  SERVICE_REQUEST_RATABLE_STATUSES,
  type ServiceRequestPriority,
} from "../../../shared/service-request-states.ts";
import { rowsOf } from "../../db/resource-rows.ts";
import { NOW } from "../../db/row-values.ts";
import { isRequestTenantPortalUser } from "../../db/service-requests.ts";
import { conflict, forbidden, notFound } from "../../errors.ts";
import type { ResourceContext } from "../../resources/rules.ts";
import { notifyTenantOfRequest } from "./notifications.ts";
import { auditRequest, lockForStaff, requests } from "./record.ts";

/**
 * Staff's and the tenant's actions on a service request (docs/tenant-portal.md). Each locks
 * the row, checks the status it is judged against, writes, and audits in one transaction.
 */

type Status = NonNullable<ServiceRequestRow["status"]>;
const statusOf = (row: ServiceRequestRow): Status => row.status ?? "open";

async function change(
  ctx: ResourceContext,
  before: ServiceRequestRow,
  action: string,
  values: Record<string, unknown>,
  data: Record<string, unknown> = {},
): Promise<ServiceRequestRow> {
  const after = await requests.update(ctx.tx, before.id, values);
  if (!after) throw notFound("Service request");
  await auditRequest(ctx, action, before, after, data);
  if (after.status !== before.status) await notifyTenantOfRequest(ctx.tx, after);
  return after;
}

/**
 * A linked work order that is not cancelled decides the request's status: staff may then
 * neither resolve nor close it by hand until it is resolved.
 */
async function followsWorkOrder(ctx: ResourceContext, row: ServiceRequestRow): Promise<boolean> {
  if (!row.assigned_work_order_id) return false;
  const wo = await rowsOf(workOrders).find(ctx.tx, row.assigned_work_order_id);
  return wo !== null && wo.status !== "cancelled";
}

/** open → acknowledged: the site has seen it (optionally assessing its priority). */
export async function acknowledge(
  ctx: ResourceContext,
  id: string,
  input: { priority?: ServiceRequestPriority },
) {
  const before = await lockForStaff(ctx, id);
  if (statusOf(before) !== "open") {
    throw conflict(`A ${statusOf(before)} service request cannot be acknowledged`);
  }
  return change(ctx, before, "service_request_acknowledged", {
    status: "acknowledged",
    ...(input.priority ? { priority: input.priority } : {}),
  });
}

/** The assessed priority, while the site still works on it. */
export async function setPriority(
  ctx: ResourceContext,
  id: string,
  input: { priority: ServiceRequestPriority },
) {
  const before = await lockForStaff(ctx, id);
  if (!SERVICE_REQUEST_OPEN_STATUSES.includes(statusOf(before))) {
    throw conflict(`The priority of a ${statusOf(before)} service request cannot change`);
  }
  return change(
    ctx,
    before,
    "service_request_priority_changed",
    { priority: input.priority },
    { from: before.priority, to: input.priority },
  );
}

/**
 * Resolves a request the site handles without a (live) work order, such as an inquiry, or
 * rewrites the resolution notes of a resolved one (resolved_at is kept).
 */
export async function resolve(
  ctx: ResourceContext,
  id: string,
  input: { resolution_notes: string },
) {
  const before = await lockForStaff(ctx, id);
  const status = statusOf(before);
  if (status === "resolved") {
    return change(ctx, before, "service_request_resolution_updated", {
      resolution_notes: input.resolution_notes,
    });
  }
  if (!SERVICE_REQUEST_OPEN_STATUSES.includes(status)) {
    throw conflict(`A ${status} service request cannot be resolved`);
  }
  if (await followsWorkOrder(ctx, before)) {
    throw conflict("This service request follows its work order: complete the work order");
  }
  return change(ctx, before, "service_request_resolved", {
    status: "resolved",
    resolved_at: NOW,
    resolution_notes: input.resolution_notes,
  });
}

/**
 * Closes a resolved request, or declines one the site will not act on (not while a live
 * work order is linked). Closed is final: a linked work order no longer moves it.
 */
export async function close(
  ctx: ResourceContext,
  id: string,
  input: { resolution_notes?: string | null },
) {
  const before = await lockForStaff(ctx, id);
  const status = statusOf(before);
  if (status === "closed") throw conflict("The service request is already closed");
  if (status !== "resolved" && (await followsWorkOrder(ctx, before))) {
    throw conflict("This service request follows its work order: complete or cancel it first");
  }
  return change(ctx, before, "service_request_closed", {
    status: "closed",
    ...(input.resolution_notes !== undefined ? { resolution_notes: input.resolution_notes } : {}),
  });
}

/** The tenant's rating (1–5) and feedback, once, after resolution. */
export async function giveFeedback(
  ctx: ResourceContext,
  id: string,
  input: { satisfaction_rating: number; feedback_text?: string | null },
) {
  const before = await requests.find(ctx.tx, id, "update");
  if (!before) throw notFound("Service request");
  if (!(await isRequestTenantPortalUser(ctx.tx, id))) {
    throw forbidden("Only the tenant's portal user rates its service request");
  }
  if (!SERVICE_REQUEST_RATABLE_STATUSES.includes(statusOf(before))) {
    throw conflict("A service request is rated once it is resolved");
  }
  if (before.satisfaction_rating !== null) {
    throw conflict("This service request has already been rated");
  }
  return change(
    ctx,
    before,
    "service_request_rated",
    {
      satisfaction_rating: input.satisfaction_rating,
      feedback_text: input.feedback_text ?? null,
    },
    { satisfaction_rating: input.satisfaction_rating },
  );
}
