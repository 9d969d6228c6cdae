/**
 * Health scores (0-100, higher is healthier) of elevators and sites, from the facts the
 * recompute job reads (server/db/health-scores.ts). Pure, so the formulas can be tested
 * on known histories; docs/workers.md ("Health scores") states the same formulas.
 */

export const COMPONENTS = [
  "equipment_condition",
  "maintenance_compliance",
  "incident_frequency",
  "first_time_fix",
  "predictive_risk",
] as const;
export type Component = (typeof COMPONENTS)[number];
export type Components = Record<Component, number>;

/** How much each component counts in the score; they add up to 1. */
export const WEIGHTS: Components = {
  equipment_condition: 0.25,
  maintenance_compliance: 0.25,
  incident_frequency: 0.2,
  first_time_fix: 0.15,
  predictive_risk: 0.15,
};

/** What is known about one lift at the moment scored (windows end at that moment). */
export type ElevatorFacts = {
  status: string;
  /** Years since modernisation (else installation); null when neither is known. */
  age_years: number | null;
  last_inspection_result: string | null;
  /** Non-exempt compliance items, plus the lift's own next inspection when it has one. */
  compliance_items: number;
  /** Of those, not overdue or failed and not past their due date. */
  compliance_ok: number;
  /** Breakdowns and callbacks (not draft or cancelled) reported in the last 365 days. */
  incidents_365: number;
  /** ... in the last 90 days, and in the 275 days before those. */
  incidents_90: number;
  incidents_prev_275: number;
  /** Breakdowns and callbacks still open (pending, scheduled, in progress, on hold). */
  open_incidents: number;
  /** Fault codes reported at least twice in the last 90 days. */
  repeated_fault_codes_90: number;
  /** Settled fixes completed in the last 365 days, and those not called back. */
  fixes_settled: number;
  first_time_fixes: number;
};

const STATUS_SCORE: Record<string, number> = {
  operational: 100,
  maintenance: 80,
  degraded: 50,
  out_of_service: 10,
};

const clamp = (n: number) => Math.min(100, Math.max(0, n));

function inspectionScore(result: string | null): number {
  const r = (result ?? "").trim().toLowerCase();
  if (r.startsWith("pass")) return 100;
  if (r.startsWith("conditional")) return 60;
  if (r.startsWith("fail")) return 20;
  return 70; // never inspected, or a result we cannot read: neither good nor bad
}

function ageScore(years: number | null): number {
  if (years === null) return 70;
  return years <= 10 ? 100 : Math.max(20, 100 - 3 * (years - 10));
}

/** The five components of one lift, unrounded. */
export function elevatorComponents(f: ElevatorFacts): Components {
  const condition =
    0.5 * (STATUS_SCORE[f.status] ?? 50) +
    0.25 * ageScore(f.age_years) +
    0.25 * inspectionScore(f.last_inspection_result);
  const compliance = f.compliance_items === 0 ? 100 : (100 * f.compliance_ok) / f.compliance_items;
  const incidents = 100 - 10 * f.incidents_365;
  const firstTimeFix = f.fixes_settled === 0 ? 100 : (100 * f.first_time_fixes) / f.fixes_settled;
  // More incidents lately than the lift's own earlier rate suggests (plus one).
  const rising = f.incidents_90 > (f.incidents_prev_275 * 90) / 275 + 1;
  const risk =
    20 * f.open_incidents +
    15 * f.repeated_fault_codes_90 +
    (rising ? 20 : 0) +
    ((f.age_years ?? 0) > 25 ? 10 : 0);
  return {
    equipment_condition: clamp(condition),
    maintenance_compliance: clamp(compliance),
    incident_frequency: clamp(incidents),
    first_time_fix: clamp(firstTimeFix),
    predictive_risk: clamp(100 - risk),
  };
}

export function weightedScore(c: Components): number {
  return Math.round(COMPONENTS.reduce((sum, k) => sum + WEIGHTS[k] * c[k], 0));
}

export const roundComponents = (c: Components): Components =>
  Object.fromEntries(COMPONENTS.map((k) => [k, Math.round(c[k])])) as Components;

export type Health = { score: number; components: Components };

export function elevatorHealth(f: ElevatorFacts): Health {
  const c = elevatorComponents(f);
  return { score: weightedScore(c), components: roundComponents(c) };
}

/**
 * A site: each component is the mean over its lifts in service (unrounded), and the
 * score is their weighted sum. Null for a site without lifts in service.
 */
export function siteHealth(lifts: readonly ElevatorFacts[]): Health | null {
  if (lifts.length === 0) return null;
  const each = lifts.map(elevatorComponents);
  const mean = Object.fromEntries(
    COMPONENTS.map((k) => [k, each.reduce((s, c) => s + c[k], 0) / each.length]),
  ) as Components;
  return { score: weightedScore(mean), components: roundComponents(mean) };
}
