import type { WorkOrderPriority, WorkOrderStatus } from "./work-order-states.ts";

/**
 * Service requests' values and their life (docs/tenant-portal.md): one place for the server
 * and for clients (the tenant portal, the staff board).
 */
export const SERVICE_REQUEST_TYPES = [
  "issue_report",
  "inquiry",
  "move_request",
  "access_request",
] as const;
export type ServiceRequestType = (typeof SERVICE_REQUEST_TYPES)[number];

export const SERVICE_REQUEST_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export type ServiceRequestPriority = (typeof SERVICE_REQUEST_PRIORITIES)[number];

export const SERVICE_REQUEST_STATUSES = [
  "open",
  "acknowledged",
  "in_progress",
  "resolved",
  "closed",
] as const;
export type ServiceRequestStatus = (typeof SERVICE_REQUEST_STATUSES)[number];

/** Statuses in which the site is still working on it (staff may change its priority). */
export const SERVICE_REQUEST_OPEN_STATUSES: readonly ServiceRequestStatus[] = [
  "open",
  "acknowledged",
  "in_progress",
];

/** The tenant rates a request once it is done. */
export const SERVICE_REQUEST_RATABLE_STATUSES: readonly ServiceRequestStatus[] = [
  "resolved",
  "closed",
];

/**
 * What a linked work order's status makes of the request: waiting for the site while the
 * work order is not under way yet (or was cancelled: staff decide again), in progress from
 * scheduling to completion, resolved once completed (invoicing changes nothing for the
 * tenant). A closed request is never moved.
 */
export const REQUEST_STATUS_FOR_WORK_ORDER: Readonly<
  Record<WorkOrderStatus, Exclude<ServiceRequestStatus, "open" | "closed">>
> = {
  draft: "acknowledged",
  pending: "acknowledged",
  scheduled: "in_progress",
  in_progress: "in_progress",
  on_hold: "in_progress",
  completed: "resolved",
  invoiced: "resolved",
  cancelled: "acknowledged",
};

/** The work order priority a converted request starts with. */
export const WORK_ORDER_PRIORITY_FOR_REQUEST: Readonly<
  Record<ServiceRequestPriority, WorkOrderPriority>
> = {
  low: "low",
  normal: "medium",
  high: "high",
  urgent: "emergency",
};
