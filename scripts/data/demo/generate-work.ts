import { type Fault, type FaultCause, faultsFor, PLANNED_WORK } from "./catalogue/faults.ts";
import { TOTAL_WORK_ORDERS } from "./catalogue/organizations.ts";
import type { DemoContractor, DemoElevator, DemoOrg, GenContext } from "./context.ts";
import type { Rng } from "./prng.ts";
import { DAY, HOUR, iso, money, type Row } from "./util.ts";

export const WO_TYPES = [
  "breakdown",
  "preventive",
  "inspection",
  "installation",
  "modernization",
  "callback",
  "audit",
] as const;
export const WO_STATUSES = [
  "draft",
  "pending",
  "scheduled",
  "in_progress",
  "on_hold",
  "completed",
  "cancelled",
  "invoiced",
] as const;
type WoType = (typeof WO_TYPES)[number];
type WoStatus = (typeof WO_STATUSES)[number];
type Priority = "emergency" | "high" | "medium" | "low" | "scheduled";

/** What later steps (service requests) need to know about a generated work order. */
export type DemoWorkOrder = {
  id: string;
  org: DemoOrg;
  elevator: DemoElevator;
  type: WoType;
  status: WoStatus;
  reportedMs: number;
  endMs: number | null;
  fault: Fault | null;
  row: Row;
};

const TYPE_WEIGHTS: readonly (readonly [WoType, number])[] = [
  ["breakdown", 40],
  ["preventive", 30],
  ["inspection", 10],
  ["callback", 8],
  ["modernization", 4],
  ["installation", 2],
  ["audit", 4],
];
const STATUS_WEIGHTS: readonly (readonly [WoStatus, number])[] = [
  ["completed", 35],
  ["invoiced", 25],
  ["scheduled", 12],
  ["pending", 8],
  ["in_progress", 6],
  ["draft", 5],
  ["cancelled", 5],
  ["on_hold", 4],
];
const PRIORITIES: Record<WoType, readonly (readonly [Priority, number])[]> = {
  breakdown: [
    ["emergency", 20],
    ["high", 40],
    ["medium", 30],
    ["low", 10],
  ],
  callback: [
    ["high", 60],
    ["medium", 40],
  ],
  preventive: [
    ["scheduled", 80],
    ["low", 20],
  ],
  inspection: [
    ["scheduled", 70],
    ["medium", 30],
  ],
  installation: [
    ["scheduled", 50],
    ["low", 30],
    ["medium", 20],
  ],
  modernization: [
    ["scheduled", 50],
    ["low", 30],
    ["medium", 20],
  ],
  audit: [
    ["low", 60],
    ["scheduled", 40],
  ],
};
const RESPONSE_HOURS: Record<Priority, readonly [number, number]> = {
  emergency: [0.5, 2],
  high: [2, 6],
  medium: [4, 24],
  low: [24, 96],
  scheduled: [72, 336],
};
/** How far before the anchor day a work order in each status was reported (days). */
const AGE_DAYS: Record<WoStatus, readonly [number, number]> = {
  draft: [0, 7],
  pending: [0, 14],
  scheduled: [1, 20],
  in_progress: [0, 4],
  on_hold: [3, 30],
  completed: [2, 120],
  invoiced: [25, 540],
  cancelled: [2, 400],
};
const CANCEL_REASONS = [
  "Cancelled: duplicate of an earlier report",
  "Cancelled: fault cleared before attendance, building manager confirmed lift running",
  "Cancelled by building manager; work deferred to next budget",
];

const OPEN: readonly WoStatus[] = ["draft", "pending", "scheduled", "in_progress", "on_hold"];
const isDone = (s: WoStatus) => s === "completed" || s === "invoiced";
const isAssigned = (s: WoStatus) => s !== "draft" && s !== "pending" && s !== "cancelled";

/**
 * The work order plan: every (type, status) pair once, so every type and status appears,
 * then weighted draws up to TOTAL_WORK_ORDERS, spread over the organisations by lift count.
 */
function plan(rng: Rng, orgs: DemoOrg[]): { org: DemoOrg; type: WoType; status: WoStatus }[] {
  const pairs: { type: WoType; status: WoStatus }[] = [];
  for (const type of WO_TYPES) for (const status of WO_STATUSES) pairs.push({ type, status });
  while (pairs.length < TOTAL_WORK_ORDERS)
    pairs.push({ type: rng.weighted(TYPE_WEIGHTS), status: rng.weighted(STATUS_WEIGHTS) });
  const orgWeights = orgs.map((o) => [o, o.elevators.length] as const);
  return rng.shuffle(pairs).map((p) => ({ ...p, org: rng.weighted(orgWeights) }));
}

export function generateWorkOrders(ctx: GenContext): { rows: Row[]; workOrders: DemoWorkOrder[] } {
  const rng = ctx.rng("work_orders");
  const items = plan(rng, ctx.orgs);
  const all: DemoWorkOrder[] = [];
  // Callbacks need an earlier completed breakdown to point at, so they go last.
  for (const item of items.filter((i) => i.type !== "callback"))
    all.push(build(ctx, rng, item.org, item.type, item.status, null));
  for (const item of items.filter((i) => i.type === "callback")) {
    const parent = pickParent(rng, all, item.org, item.status, ctx.anchorMs);
    all.push(build(ctx, rng, item.org, "callback", item.status, parent));
  }
  // The numbering trigger hands out WO-000001... in insert order, so insert each
  // organisation's work orders oldest first.
  const orgIndex = new Map(ctx.orgs.map((o, i) => [o.id, i]));
  all.sort(
    (a, b) =>
      orgIndex.get(a.org.id)! - orgIndex.get(b.org.id)! ||
      a.reportedMs - b.reportedMs ||
      (a.id < b.id ? -1 : 1),
  );
  return { rows: all.map((w) => w.row), workOrders: all };
}

function pickParent(
  rng: Rng,
  all: DemoWorkOrder[],
  org: DemoOrg,
  status: WoStatus,
  anchorMs: number,
): DemoWorkOrder | null {
  const done = all.filter(
    (w) => w.org === org && w.type === "breakdown" && isDone(w.status) && w.fault,
  );
  // An open callback follows a recent job; a finished one needs room for its own visit.
  const fitting = done.filter((w) =>
    OPEN.includes(status) ? anchorMs - w.endMs! < 45 * DAY : anchorMs - w.endMs! > 15 * DAY,
  );
  const pool = fitting.length > 0 ? fitting : done;
  return pool.length > 0 ? rng.pick(pool) : null;
}

function chooseElevator(rng: Rng, org: DemoOrg, type: WoType, status: WoStatus): DemoElevator {
  if (type === "modernization") {
    const old = org.elevators.filter((e) => new Date(e.installedMs).getUTCFullYear() < 2012);
    if (old.length > 0) return rng.pick(old);
  }
  // Nobody raises new work on a decommissioned lift (other than modernising it).
  const inService = org.elevators.filter((e) => e.status !== "decommissioned");
  return rng.pick(OPEN.includes(status) && inService.length > 0 ? inService : org.elevators);
}

function chooseContractor(rng: Rng, org: DemoOrg, type: WoType, ageDays: number): DemoContractor {
  const active = org.contractors.filter((c) => c.isActive);
  // Old jobs may have been done by people who have since left.
  if (ageDays > 200 && rng.chance(0.15)) return rng.pick(org.contractors);
  const subs = active.filter((c) => c.kind === "subcontractor");
  if ((type === "modernization" || type === "installation") && subs.length > 0 && rng.chance(0.6))
    return rng.pick(subs);
  const staff = active.filter((c) => c.kind !== "subcontractor");
  return rng.pick(staff.length > 0 ? staff : active);
}

function build(
  ctx: GenContext,
  rng: Rng,
  org: DemoOrg,
  type: WoType,
  status: WoStatus,
  parent: DemoWorkOrder | null,
): DemoWorkOrder {
  const anchor = ctx.anchorMs;
  const elevator = parent ? parent.elevator : chooseElevator(rng, org, type, status);
  const site = org.sites.find((s) => s.id === elevator.siteId)!;
  const priority = rng.weighted(PRIORITIES[type]);
  const faultBased = type === "breakdown" || type === "callback";
  const fault =
    parent?.fault ??
    (faultBased
      ? rng.weighted(faultsFor(elevator.manufacturer).map((f) => [f, f.weight] as const))
      : null);
  const cause: FaultCause | null = fault
    ? rng.weighted(fault.causes.map((c) => [c, c.weight] as const))
    : null;
  const planned = faultBased ? null : rng.pick(PLANNED_WORK[type as keyof typeof PLANNED_WORK]);

  const labourHours = rng.float(...(cause?.labourHours ?? planned!.labourHours));
  const workMs = labourHours > 10 ? Math.ceil(labourHours / 8) * DAY : labourHours * HOUR;
  const responseMs = rng.float(...RESPONSE_HOURS[priority]) * HOUR;

  let reportedMs = anchor - rng.float(...AGE_DAYS[status]) * DAY - rng.int(1, 10) * HOUR;
  if (parent) reportedMs = Math.min(parent.endMs! + rng.float(1, 10) * DAY, anchor - 3 * HOUR);
  if (isDone(status)) reportedMs = Math.min(reportedMs, anchor - responseMs - workMs - 2 * HOUR);
  if (status === "in_progress") reportedMs = Math.min(reportedMs, anchor - responseMs - HOUR);
  if (status === "on_hold")
    reportedMs = Math.min(reportedMs, anchor - responseMs - 2 * HOUR - Math.min(workMs, 4 * HOUR));

  let scheduledStart: number | null = null;
  let actualStart: number | null = null;
  let actualEnd: number | null = null;
  if (status === "scheduled")
    scheduledStart = Math.max(anchor + rng.int(1, 30) * DAY - 3 * HOUR, reportedMs + responseMs);
  else if (status !== "draft" && status !== "pending" && status !== "cancelled") {
    scheduledStart = reportedMs + responseMs;
    actualStart = scheduledStart + rng.int(0, 45) * 60_000;
    if (status === "in_progress") actualStart = Math.min(actualStart, anchor - HOUR / 2);
    if (isDone(status)) actualEnd = actualStart + workMs;
  }
  const scheduledEnd = scheduledStart === null ? null : scheduledStart + Math.max(workMs, 2 * HOUR);
  const ageDays = (anchor - reportedMs) / DAY;
  const contractor = isAssigned(status) ? chooseContractor(rng, org, type, ageDays) : null;
  const creator = rng.pick([org.byRole.manager, org.byRole.admin, org.byRole.user]);
  const symptoms = fault
    ? [fault.symptoms[0]!, ...fault.symptoms.slice(1).filter(() => rng.chance(0.6))]
    : null;
  const floor = rng.int(1, elevator.floorsServed);
  const partsCost = isDone(status) ? rng.float(...(cause?.partsCost ?? planned!.partsCost)) : 0;
  const rate = contractor?.hourlyRate ?? 120;
  const labourCost = isDone(status) ? labourHours * rate * (priority === "emergency" ? 1.5 : 1) : 0;

  const title = fault
    ? type === "callback"
      ? `Callback: ${fault.title}`
      : fault.title
    : planned!.title;
  const row: Row = {
    id: rng.uuid(),
    organization_id: org.id,
    elevator_id: elevator.id,
    site_id: site.id,
    type,
    priority,
    status,
    title,
    description: fault
      ? `${elevator.unitNumber} at ${site.name}: ${symptoms!.join("; ")}.`
      : `${planned!.title} for ${elevator.unitNumber} (${elevator.manufacturer} ${elevator.model}) at ${site.name}.`,
    fault_code: fault?.code ?? null,
    reported_symptoms: symptoms,
    affected_floors: fault ? [floor] : null,
    reported_at: iso(reportedMs),
    scheduled_start: scheduledStart === null ? null : iso(scheduledStart),
    scheduled_end: scheduledEnd === null ? null : iso(scheduledEnd),
    actual_start: actualStart === null ? null : iso(actualStart),
    actual_end: actualEnd === null ? null : iso(actualEnd),
    completed_at: actualEnd === null ? null : iso(actualEnd),
    due_date: iso(
      faultBased
        ? reportedMs + RESPONSE_HOURS[priority][1] * 2 * HOUR
        : (scheduledEnd ?? reportedMs + 30 * DAY),
    ),
    assigned_contractor_id: contractor?.id ?? null,
    assigned_at: contractor ? iso(reportedMs + Math.min(responseMs / 2, HOUR)) : null,
    assigned_by: contractor ? org.byRole.manager.id : null,
    reported_by_name: faultBased ? site.contactName : null,
    reported_by_phone: faultBased ? site.contactPhone : null,
    reported_by_email: faultBased ? site.contactEmail : null,
    reporter_user_id: faultBased ? null : creator.id,
    root_cause: isDone(status) && cause ? cause.rootCause : null,
    resolution_notes: isDone(status)
      ? (cause?.resolution ?? planned!.resolution)
      : status === "cancelled"
        ? rng.pick(CANCEL_REASONS)
        : null,
    resolution_type: isDone(status) ? (cause?.resolutionType ?? planned!.resolutionType) : null,
    parts_cost: money(partsCost),
    labor_cost: money(labourCost),
    requires_followup:
      status === "on_hold" || (isDone(status) && cause?.resolutionType === "temporary_fix"),
    followup_notes:
      status === "on_hold"
        ? cause && cause.parts.length > 0
          ? `Awaiting parts: ${cause.parts.join(", ")}`
          : "Awaiting building access / shutdown approval"
        : isDone(status) && cause?.resolutionType === "temporary_fix"
          ? "Building to action recommendation; revisit in 4 weeks"
          : null,
    parent_work_order_id: parent?.id ?? null,
    custom_fields: isDone(status)
      ? {
          labour_hours: Number(labourHours.toFixed(1)),
          parts_used: cause?.parts ? [...cause.parts] : [],
        }
      : {},
    created_by: creator.id,
    created_at: iso(reportedMs),
  };
  return {
    id: row.id as string,
    org,
    elevator,
    type,
    status,
    reportedMs,
    endMs: actualEnd,
    fault,
    row,
  };
}
