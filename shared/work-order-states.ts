/**
 * The work order state machine: which status may follow which. One map for the server
 * (POST /work-orders/:id/transition answers 409 for anything not listed) and for clients
 * (to offer only the buttons that will work). Documented in docs/work-orders.md.
 */
export const WORK_ORDER_STATUSES = [
  "draft",
  "pending",
  "scheduled",
  "in_progress",
  "on_hold",
  "completed",
  "cancelled",
  "invoiced",
] as const;
export type WorkOrderStatus = (typeof WORK_ORDER_STATUSES)[number];

export const WORK_ORDER_PRIORITIES = ["emergency", "high", "medium", "low", "scheduled"] as const;
export type WorkOrderPriority = (typeof WORK_ORDER_PRIORITIES)[number];

export const WORK_ORDER_TYPES = [
  "breakdown",
  "preventive",
  "inspection",
  "installation",
  "modernization",
  "callback",
  "audit",
] as const;
export type WorkOrderType = (typeof WORK_ORDER_TYPES)[number];

export const WORK_ORDER_TRANSITIONS: Readonly<Record<WorkOrderStatus, readonly WorkOrderStatus[]>> =
  {
    draft: ["pending", "cancelled"],
    pending: ["scheduled", "in_progress", "on_hold", "cancelled"],
    scheduled: ["in_progress", "on_hold", "cancelled", "pending"],
    in_progress: ["on_hold", "completed", "cancelled"],
    on_hold: ["pending", "scheduled", "in_progress", "cancelled"],
    // Reopening (completed → in_progress) clears completed_at and actual_end: the job is
    // not done any more. actual_start is kept, it records when work first began.
    completed: ["invoiced", "in_progress"],
    cancelled: [],
    invoiced: [],
  };

/** Statuses a work order may be created in; everything later is reached by transitions. */
export const WORK_ORDER_INITIAL_STATUSES = ["draft", "pending"] as const;

/** Open work is what the dispatch board shows: accepted, not finished, not a draft. */
export const OPEN_WORK_ORDER_STATUSES = ["pending", "scheduled", "in_progress", "on_hold"] as const;
export type OpenWorkOrderStatus = (typeof OPEN_WORK_ORDER_STATUSES)[number];

export const TERMINAL_WORK_ORDER_STATUSES: readonly WorkOrderStatus[] = WORK_ORDER_STATUSES.filter(
  (s) => WORK_ORDER_TRANSITIONS[s].length === 0,
);

export function canTransition(from: WorkOrderStatus, to: WorkOrderStatus): boolean {
  return WORK_ORDER_TRANSITIONS[from].includes(to);
}
